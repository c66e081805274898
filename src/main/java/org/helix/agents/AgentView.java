package org.helix.agents;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** An agent as the public {@code /agents} list shows it. */
public record AgentView(UUID agentId, String name, String symbol, String role, String layer, List<String> capabilities,
                        AgentStatus status, int workload, int epoch, boolean builtin, OffsetDateTime lastHeartbeatAt) {

    static AgentView of(Agent a) {
        return new AgentView(a.id, a.name, a.symbol, a.role, a.layer, List.of(a.capabilities), a.status, a.workload, a.epoch,
                a.builtin, a.lastSeenAt);
    }
}

package org.helix.agents;

import io.vertx.mutiny.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** An agent as the public {@code /agents} list shows it. */
public record AgentView(UUID agentId, String name, String symbol, String role, String layer, List<String> capabilities,
                        AgentStatus status, double workload, int epoch, boolean builtin, OffsetDateTime lastHeartbeatAt) {

    static AgentView of(Row a) {
        return new AgentView(a.getUUID("id"), a.getString("name"), a.getString("symbol"), a.getString("role"),
                a.getString("layer"), List.of(a.getArrayOfStrings("capabilities")),
                AgentStatus.valueOf(a.getString("status")), a.getDouble("workload"), a.getInteger("epoch"),
                a.getBoolean("builtin"), a.getOffsetDateTime("last_seen_at"));
    }
}

package org.helix.agents;

import java.util.List;
import java.util.UUID;

/** {@code revoked} lists leases the agent must stop working on: they were taken back while it was silent. */
public record HeartbeatResponse(AgentStatus status, long nextHeartbeatSeconds, List<Revoked> revoked) {

    public record Revoked(UUID ritualId, int step, String reason) {
    }
}

package org.helix.agents;

import java.util.List;
import java.util.UUID;

/** {@code revoked} lists leases the agent must stop working on: they were taken back while it was silent. */
public record HeartbeatResponse(AgentStatus status, long nextHeartbeatSeconds, List<Revoked> revoked) {

    /** {@code attempt}: which attempt of the step was taken away (null for revocations recorded before it was kept). */
    public record Revoked(UUID ritualId, int step, Integer attempt, String reason) {
    }
}

package org.helix.agents;

import java.util.UUID;

/** The answer to a registration: the token is shown here only. */
public record Registration(UUID agentId, String name, int epoch, String token, long heartbeatIntervalSeconds) {
}

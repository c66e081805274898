package org.helix.agents;

/** From heartbeats: ONLINE, STALE after {@code helix.agent.stale-after} of silence, OFFLINE after {@code offline-after}. */
public enum AgentStatus {
    ONLINE, STALE, OFFLINE
}

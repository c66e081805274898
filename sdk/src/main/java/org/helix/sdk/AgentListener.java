package org.helix.sdk;

import java.util.UUID;

/**
 * Hooks for metrics, logs and tests; every method has a default that does nothing. They are called on the
 * agent's own threads: keep them quick and do not throw.
 */
public interface AgentListener {

    /** Registered, at start or again after the service ended the agent's epoch. */
    default void onRegistered(String instanceName, UUID agentId, int epoch) {
    }

    /** Every answer the service gave, whatever its status (connection errors give none). */
    default void onAnswer(String method, String path, int status) {
    }

    /** The service accepted the step's output. */
    default void onCompleted(StepContext step) {
    }

    /** The service recorded the handler's failure. */
    default void onFailed(StepContext step, String error, boolean retryable) {
    }

    /** The handler's result was thrown away: the lease was lost, revoked, or the agent stopped first. */
    default void onDropped(StepContext step, String reason) {
    }

    /** The agent left: its remaining leases went back to the service. */
    default void onDeregistered() {
    }
}

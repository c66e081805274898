package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** What a {@link StepHandler} knows about the step it runs, and how it hears that it must stop. */
public interface StepContext {

    UUID ritualId();

    /** The step's number, 1-based. */
    int step();

    /** 1 for the first attempt at this step, 2 after one was lost, ... */
    int attempt();

    /** The ritual's mantra, or null. */
    String mantra();

    /** How many steps the ritual has, or 0 when the service did not say. */
    int stepsTotal();

    /** The ritual's {@code input} object; a JSON null node (never Java null) when it has none. */
    JsonNode input();

    /** Step n−1's output; a JSON null node for step 1, after a skipped step, or when it gave none. */
    JsonNode previousOutput();

    /** The hard end of this attempt: a completion after it is refused. */
    Instant leaseExpiresAt();

    /** Set when the ritual wants step heartbeats; the SDK then sends one every third of it on its own. */
    Optional<Duration> heartbeatTimeout();

    /**
     * True once the lease was taken back (listed in a heartbeat's {@code revoked}, or a step heartbeat got
     * 409) or the agent is stopping past its grace period. The handler's thread is also interrupted.
     */
    boolean isCancelled();

    /** Throws {@link StepCancelledException} when {@link #isCancelled()}: a checkpoint for long loops. */
    void throwIfCancelled();

    /** Completes with the reason when the step is cancelled, for handlers that wait on something else. */
    CompletionStage<String> cancellation();

    /**
     * Reports progress (a small JSON object) on the step while it runs; the latest value goes out with the
     * next step heartbeat, sent within a second. Never blocks.
     */
    void reportProgress(Object progress);
}

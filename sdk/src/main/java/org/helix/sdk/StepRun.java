package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** One attempt at a step in this process: the handler's context, its cancellation and its pending progress. */
final class StepRun implements StepContext {

    final Lease lease;
    final HelixAgent.Session session;
    private final Consumer<StepRun> progressReported;
    private final CompletableFuture<String> cancelled = new CompletableFuture<>();
    private final AtomicReference<JsonNode> progress = new AtomicReference<>();
    private final Object lock = new Object();
    /** The thread running the handler, while it runs: a cancel interrupts it, and only it. */
    private Thread worker;
    private volatile boolean finished;

    // owned by Beats
    volatile ScheduledFuture<?> beats;
    volatile long lastBeatNanos;
    final AtomicBoolean beatQueued = new AtomicBoolean();

    StepRun(Lease lease, HelixAgent.Session session, Consumer<StepRun> progressReported) {
        this.lease = lease;
        this.session = session;
        this.progressReported = progressReported;
    }

    void begin() {
        synchronized (lock) {
            worker = Thread.currentThread();
            if (cancelled.isDone()) {
                worker.interrupt();
            }
        }
    }

    /** The handler returned: later cancels no longer interrupt this thread, and a pending interrupt is cleared. */
    void end() {
        synchronized (lock) {
            worker = null;
            finished = true;
            Thread.interrupted();
        }
    }

    boolean finished() {
        return finished;
    }

    /** Cancels the run; true if this call did. */
    boolean cancel(String reason) {
        if (!cancelled.complete(reason)) {
            return false;
        }
        synchronized (lock) {
            if (worker != null) {
                worker.interrupt();
            }
        }
        return true;
    }

    String cancelReason() {
        return cancelled.getNow(null);
    }

    JsonNode takeProgress() {
        return progress.getAndSet(null);
    }

    /** A send failed: keep its value unless a newer one came meanwhile. */
    void restoreProgress(JsonNode value) {
        if (value != null) {
            progress.compareAndSet(null, value);
        }
    }

    @Override
    public UUID ritualId() {
        return lease.ritualId();
    }

    @Override
    public int step() {
        return lease.step();
    }

    @Override
    public int attempt() {
        return lease.attempt();
    }

    @Override
    public String mantra() {
        return lease.mantra();
    }

    @Override
    public int stepsTotal() {
        return lease.stepsTotal();
    }

    @Override
    public JsonNode input() {
        return lease.input();
    }

    @Override
    public JsonNode previousOutput() {
        return lease.previousOutput();
    }

    @Override
    public Instant leaseExpiresAt() {
        return lease.expiresAt();
    }

    @Override
    public Optional<Duration> heartbeatTimeout() {
        return Optional.ofNullable(lease.heartbeatTimeout());
    }

    @Override
    public boolean isCancelled() {
        return cancelled.isDone();
    }

    @Override
    public void throwIfCancelled() {
        if (cancelled.isDone()) {
            throw new StepCancelledException(cancelled.getNow(null));
        }
    }

    @Override
    public CompletionStage<String> cancellation() {
        return cancelled.minimalCompletionStage();
    }

    @Override
    public void reportProgress(Object value) {
        progress.set(value == null ? null : Api.JSON.valueToTree(value));
        progressReported.accept(this);
    }

    @Override
    public String toString() {
        return lease.toString();
    }
}

package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's heartbeat, at the interval the service advises, and step heartbeats for the attempts whose
 * ritual asks for them. One timer thread; every call is asynchronous, so a slow answer delays nothing else.
 */
final class Beats {

    private static final System.Logger LOG = System.getLogger(HelixAgent.class.getName());
    /** Progress is sent at most this often per step when the ritual asks for no step heartbeats. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    private final HelixAgent agent;
    private final Api api;
    private final Backoff backoff;
    private final ScheduledExecutorService timer;
    private final AtomicInteger failures = new AtomicInteger();
    private volatile ScheduledFuture<?> next;
    private volatile CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);
    private volatile boolean stopped;

    Beats(HelixAgent agent, Api api, Backoff backoff, String name) {
        this.agent = agent;
        this.api = api;
        this.backoff = backoff;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "helix-beats-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    void start(Duration first) {
        schedule(first);
    }

    /**
     * No heartbeat may reach the service after this returns: a heartbeat that lands after the deregistration
     * would bring the agent back ONLINE.
     */
    void stop(Duration wait) {
        stopped = true;
        ScheduledFuture<?> n = next;
        if (n != null) {
            n.cancel(false);
        }
        try {
            inFlight.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            inFlight.cancel(true);
        } catch (Exception e) {
            // failed or interrupted: either way nothing is left in flight
        }
        timer.shutdownNow();
    }

    private void schedule(Duration delay) {
        if (stopped) {
            return;
        }
        try {
            next = timer.schedule(this::beat, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    private void beat() {
        if (stopped) {
            return;
        }
        HelixAgent.Session session = agent.session();
        inFlight = api.postAsync("/api/agents/" + session.agentId() + "/heartbeat", session.token(),
                        Map.of("workload", agent.workload()))
                .whenComplete((reply, error) -> answered(session, reply, error));
    }

    private void answered(HelixAgent.Session session, Api.Reply reply, Throwable error) {
        Duration interval = session.heartbeatInterval();
        if (error != null) {
            int n = failures.incrementAndGet();
            LOG.log(Level.WARNING, "heartbeat failed ({0}); next try soon", error.getCause() != null ? error.getCause() : error);
            schedule(min(backoff.delay(n, (Duration) null), interval));
        } else if (reply.ok()) {
            failures.set(0);
            revoked(reply.body().path("revoked"));
            schedule(seconds(reply.body().path("next_heartbeat_seconds"), interval));
        } else if (reply.status() == 401 || reply.status() == 409) {
            // the token's epoch is over: an operator reinitialised the agent, or another process took its name
            Thread renewal = new Thread(() -> {
                agent.renew(session, "heartbeat answered " + reply.detail());
                schedule(agent.session().heartbeatInterval());
            }, "helix-register-" + session.agentId());
            renewal.setDaemon(true);
            renewal.start();
        } else if (reply.retryable()) {
            int n = failures.incrementAndGet();
            Duration wait = min(backoff.delay(n, (Duration) null), interval);
            schedule(reply.retryAfter() != null && reply.retryAfter().compareTo(wait) > 0 ? reply.retryAfter() : wait);
        } else {
            LOG.log(Level.ERROR, "heartbeat refused: {0}", reply.detail());
            schedule(interval);
        }
    }

    private void revoked(JsonNode revoked) {
        for (JsonNode entry : revoked) {
            Lease.Key key = new Lease.Key(UUID.fromString(entry.path("ritual_id").asText()), entry.path("step").asInt());
            StepRun run = agent.running(key);
            // an entry that names its attempt must be this one: an older attempt's revocation is old news
            if (run != null && (!entry.path("attempt").isNumber() || entry.path("attempt").asInt() == run.attempt())
                    && run.cancel("revoked: " + entry.path("reason").asText("no reason given"))) {
                LOG.log(Level.INFO, "step {0} revoked ({1}); its handler is cancelled", run, entry.path("reason").asText());
            }
        }
    }

    /** A handler started: when its ritual asks for step heartbeats, send one every third of the timeout. */
    void started(StepRun run) {
        Duration timeout = run.lease.heartbeatTimeout();
        if (timeout == null || stopped) {
            return;
        }
        long every = Math.max(50, timeout.toMillis() / 3);
        try {
            run.beats = timer.scheduleWithFixedDelay(() -> stepBeat(run), every, every, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    void finished(StepRun run) {
        ScheduledFuture<?> beats = run.beats;
        if (beats != null) {
            beats.cancel(false);
        }
    }

    /** New progress: one step heartbeat soon carries the latest value. */
    void progressReported(StepRun run) {
        if (stopped || !run.beatQueued.compareAndSet(false, true)) {
            return;
        }
        long sinceLast = System.nanoTime() - run.lastBeatNanos;
        long wait = run.lastBeatNanos == 0 ? 0 : Math.max(0, PROGRESS_EVERY.toNanos() - sinceLast);
        try {
            timer.schedule(() -> {
                run.beatQueued.set(false);
                stepBeat(run);
            }, wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            run.beatQueued.set(false);
        }
    }

    private void stepBeat(StepRun run) {
        if (run.finished() || run.isCancelled() || stopped) {
            return;
        }
        run.lastBeatNanos = System.nanoTime();
        JsonNode progress = run.takeProgress();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("lease_token", run.lease.token().toString());
        if (progress != null) {
            body.put("progress", progress);
        }
        api.postAsync("/api/rituals/" + run.ritualId() + "/steps/" + run.step() + "/heartbeat", run.session.token(), body)
                .whenComplete((reply, error) -> {
                    if (reply != null && reply.status() == 409) {
                        if (run.cancel("the lease is no longer valid: " + reply.detail())) {
                            LOG.log(Level.INFO, "step {0} lost its lease ({1}); its handler is cancelled", run, reply.detail());
                        }
                    } else if (reply == null || !reply.ok()) {
                        run.restoreProgress(progress);
                        if (reply != null && !reply.retryable()) {
                            LOG.log(Level.DEBUG, "step heartbeat for {0} answered {1}", run, reply.detail());
                        }
                    }
                });
    }

    static Duration seconds(JsonNode value, Duration fallback) {
        return value.isNumber() && value.asDouble() > 0 ? Duration.ofMillis((long) (value.asDouble() * 1000)) : fallback;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventLog;
import org.helix.platform.Draining;
import org.helix.platform.HelixConfig;
import org.helix.platform.Metrics;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents' side of the state machine: lease (with the long-poll around it), complete, fail. The transitions
 * are {@link RitualStore}'s; this class adds what happens around them in memory — waking waiting agents, the
 * live streams, metrics — and explains a refusal (404, 403 or 409).
 */
@ApplicationScoped
public class StepLeases {

    private final RitualStore store;
    private final RitualQueries queries;
    private final Clock clock;
    private final LeaseWaiters waiters;
    private final EventLog events;
    private final Draining draining;
    private final Metrics metrics;
    private final Duration preferOther;
    /** steps_total never changes, so the hot path can tell a ritual's last step without a query. */
    private final Map<UUID, Integer> stepsTotal = new ConcurrentHashMap<>();

    public StepLeases(RitualStore store, RitualQueries queries, Clock clock, LeaseWaiters waiters, EventLog events,
                      HelixConfig config, Draining draining, Metrics metrics) {
        this.store = store;
        this.queries = queries;
        this.clock = clock;
        this.waiters = waiters;
        this.events = events;
        this.draining = draining;
        this.metrics = metrics;
        this.preferOther = config.retry().preferOtherAgentFor();
    }

    /** One attempt to lease up to {@code max} READY steps the agent may take. */
    public Uni<List<LeaseGrant>> lease(Caller agent, int max) {
        if (draining.draining()) {
            return Uni.createFrom().item(List.of()); // shutting down: work goes to the other replicas
        }
        Instant now = clock.instant();
        return store.lease(agent.agentId(), agent.agentEpoch(), max, now, preferOther).map(leased -> {
            List<LeaseGrant> grants = new ArrayList<>(leased.size());
            for (RitualStore.Leased one : leased) {
                LeaseGrant grant = one.grant();
                remember(grant.ritualId(), grant.stepsTotal());
                grants.add(grant);
                if (grant.attempt() == 1 && grant.step() > 1) {
                    // the completion of step n made step n+1 READY at that instant
                    metrics.handoff(Duration.between(one.readyAt().toInstant(), now));
                }
            }
            return grants;
        });
    }

    /** Long-poll: lease now, or wait (holding no connection) until a step may be ready or the time is up. */
    public Uni<List<LeaseGrant>> leaseWaiting(Caller agent, int max, Duration wait) {
        Instant asked = clock.instant();
        return leaseUntil(agent, max, asked.plus(wait)).invoke(grants -> {
            if (!grants.isEmpty()) {
                metrics.leaseWaited(Duration.between(asked, clock.instant()));
            }
        });
    }

    private Uni<List<LeaseGrant>> leaseUntil(Caller agent, int max, Instant until) {
        LeaseWaiters.Waiter waiter = waiters.arm(agent.agentName());
        return lease(agent, max).onFailure().invoke(waiter::disarm).flatMap(grants -> {
            Duration left = Duration.between(clock.instant(), until);
            if (!grants.isEmpty() || left.isNegative() || left.isZero() || draining.draining()) {
                waiter.disarm();
                return Uni.createFrom().item(grants);
            }
            return waiter.await(left).flatMap(woken -> woken
                    ? leaseUntil(agent, max, until)
                    : Uni.createFrom().item(List.<LeaseGrant>of()));
        });
    }

    public Uni<RitualStore.Completed> complete(Caller caller, UUID ritualId, int step, UUID token, JsonObject output,
                                               boolean leaseNext) {
        boolean eager = leaseNext && caller.isAgent() && !draining.draining();
        RitualStore.Completion completion = new RitualStore.Completion(ritualId, step, token,
                caller.isAgent() ? caller.agentId() : null, clock.instant(), output, eager);
        Integer total = stepsTotal.get(ritualId);
        // the last step (or one we cannot tell) finishes the ritual in the same transaction
        return store.complete(completion, total == null || step >= total)
                .onItem().ifNull().switchTo(() -> refusal(caller, ritualId, step, token))
                .flatMap(done -> afterCompletion(caller, done, eager));
    }

    private Uni<RitualStore.Completed> afterCompletion(Caller caller, RitualStore.Completed c, boolean eager) {
        events.committed();
        metrics.stepCompleted(c.nextLease() != null ? Duration.ZERO : null);
        if (c.ritualCompleted()) {
            stepsTotal.remove(c.ritualId());
        } else {
            remember(c.ritualId(), c.stepsTotal());
        }
        if (c.nextReadyFor() != null) {
            waiters.ready(c.nextReadyFor(), 1);
        }
        if (!eager || c.nextLease() != null) {
            return Uni.createFrom().item(c);
        }
        // the ritual has no next step for this agent (it just finished): hand it the oldest ready step elsewhere
        return lease(caller, 1).map(grants -> new RitualStore.Completed(c.ritualId(), c.step(), c.stepsCompleted(),
                c.stepsTotal(), c.ritualCompleted(), grants.isEmpty() ? null : grants.get(0), c.nextReadyFor()));
    }

    public Uni<RitualStore.Lost> fail(Caller caller, UUID ritualId, int step, UUID token, String error,
                                      boolean retryable) {
        Instant now = clock.instant();
        return store.lose(new RitualStore.OfLease(ritualId, step, token, caller.isAgent() ? caller.agentId() : null, now),
                        LostAttempt.Cause.FAILED, error, retryable, now)
                .flatMap(lost -> {
                    if (lost.isEmpty()) {
                        return refusal(caller, ritualId, step, token);
                    }
                    events.committed();
                    waiters.ready(lost);
                    return Uni.createFrom().item(lost.get(0));
                });
    }

    /** A step heartbeat: the lease goes on, or 404/403/409 say why not (409: stop the work). */
    public Uni<RitualStore.Beat> heartbeat(Caller caller, UUID ritualId, int step, UUID token, JsonObject progress) {
        return store.heartbeat(new RitualStore.Heartbeat(ritualId, step, token, caller.isAgent() ? caller.agentId() : null,
                        clock.instant(), progress))
                .onItem().ifNull().switchTo(() -> refusal(caller, ritualId, step, token));
    }

    /**
     * Explains why a completion, failure or heartbeat changed nothing: 404 for an unknown step, 403 for another agent's
     * lease, 409 for everything the state forbids (stale token, already completed, ritual over).
     */
    private <T> Uni<T> refusal(Caller caller, UUID ritualId, int step, UUID token) {
        return queries.leaseState(ritualId, step).map(state -> {
            if (state == null) {
                throw ProblemException.notFound("ritual " + ritualId + " has no step " + step);
            }
            RitualRows.StepRow s = state.step();
            boolean presented = s.status() == StepStatus.LEASED && token.equals(s.leaseToken());
            if (caller.isAgent() && presented && !caller.agentId().equals(s.agentId())) {
                throw ProblemException.forbidden("step " + step + " is leased by another agent");
            }
            if (!state.ritualStatus().live()) {
                throw ProblemException.conflict("ritual is " + state.ritualStatus() + "; its leases are void");
            }
            if (presented && s.heartbeatDueAt() != null && !s.heartbeatDueAt().toInstant().isAfter(clock.instant())) {
                throw ProblemException.conflict("the lease of step " + step + " missed its heartbeat, due at "
                        + s.heartbeatDueAt());
            }
            if (presented) {
                // the hard start-to-close timeout: the sweep is about to count this attempt as lost
                throw ProblemException.conflict("the lease of step " + step + " expired at " + s.leaseExpiresAt());
            }
            throw ProblemException.conflict(switch (s.status()) {
                case COMPLETED -> "step " + step + " is already completed";
                case SKIPPED -> "step " + step + " was skipped";
                case LEASED -> "stale lease token: step " + step + " is leased under another token";
                default -> "step " + step + " is " + s.status() + "; the lease is no longer valid";
            });
        });
    }

    void remember(UUID ritualId, int total) {
        if (stepsTotal.size() > 100_000) {
            stepsTotal.clear();
        }
        stepsTotal.put(ritualId, total);
    }
}

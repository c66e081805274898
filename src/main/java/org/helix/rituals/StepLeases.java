package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventLog;
import org.helix.platform.Db;
import org.helix.platform.Draining;
import org.helix.platform.HelixConfig;
import org.helix.platform.Metrics;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.helix.platform.Time.ts;

/**
 * The hot path: lease, complete, fail. Each transition is one guarded SQL statement (one transaction); only
 * the last step of a ritual adds the UCF effect in the same transaction. Races are decided by the database:
 * {@code FOR UPDATE SKIP LOCKED} hands a READY step to exactly one agent, and a completion or failure applies
 * only while the step is LEASED with the presented token.
 */
@ApplicationScoped
public class StepLeases {

    private static final String LEASE = """
            with me as (
                select id, name from agent where id = $1 and epoch = $2
            ),
            before as (
                select status from agent where id = $1 and epoch = $2
            ),
            touch as (
                -- a sign of life, at most once a second; skipped rather than waited for if the liveness sweep
                -- holds the row, so the hot path never queues behind (or deadlocks with) it
                update agent set last_seen_at = $3, status = 'ONLINE',
                    status_changed_at = case when status <> 'ONLINE' then $3 else status_changed_at end
                where id = (select id from agent where id = $1 and epoch = $2
                            and (status <> 'ONLINE' or last_seen_at < $3::timestamptz - interval '1 second') for update skip locked)
                returning name
            ),
            revived as (
                insert into event (type, ritual_id, created_at, payload)
                select 'agent_state_change', null, $3, jsonb_build_object('agent_id', $1::uuid, 'agent', touch.name,
                    'from', before.status, 'to', 'ONLINE', 'reason', 'lease')
                from touch, before where before.status <> 'ONLINE'
            ),
            candidate as (
                select s.ritual_id, s.number
                from step s join ritual r on r.id = s.ritual_id cross join me
                where s.status = 'READY' and s.ready_at <= $3
                  and r.status in ('PENDING', 'RUNNING')
                  and (cardinality(r.participants) = 0 or me.name = any (r.participants))
                  and (s.reserved_for is null or s.reserved_for = me.id)
                  and (s.avoid_agent_id is null or s.avoid_agent_id <> me.id or s.ready_at <= $3::timestamptz - $5::bigint * interval '1 millisecond')
                order by (r.priority = 'emergency') desc, s.ready_at, s.ritual_id, s.number
                limit $4
                for update of s skip locked
            ),
            leased as (
                update step s set status = 'LEASED', attempt = s.attempt + 1, agent_id = me.id, agent_name = me.name,
                    lease_token = gen_random_uuid(), leased_at = $3,
                    lease_expires_at = $3::timestamptz + r.step_timeout_seconds * interval '1 second', reserved_for = null
                from candidate c, ritual r, me
                where s.ritual_id = c.ritual_id and s.number = c.number and r.id = c.ritual_id
                returning s.ritual_id, s.number, s.attempt, s.lease_token, s.lease_expires_at, r.mantra, r.steps_total,
                    s.ready_at
            ),
            pending as (
                select id from ritual where id in (select ritual_id from leased) and status = 'PENDING'
                for update skip locked
            ),
            started as (
                update ritual set status = 'RUNNING', started_at = $3 from pending where ritual.id = pending.id
            )
            select * from leased
            """;

    /**
     * Completes step $2 and, in the same statement, makes step n+1 READY — or, with eager dispatch ($7),
     * LEASED to the completing agent: an agent that may take step n may take step n+1, and continuing the
     * chain it holds saves every other round trip.
     */
    private static final String COMPLETE = """
            with r as (
                select id, mantra, steps_total, step_timeout_seconds from ritual
                where id = $1 and status in ('PENDING', 'RUNNING') for update
            ),
            done as (
                update step s set status = 'COMPLETED', completed_at = $5, output = $6, error = null
                from r
                where s.ritual_id = r.id and s.number = $2 and s.status = 'LEASED' and s.lease_token = $3
                  and ($4::uuid is null or s.agent_id = $4) and s.lease_expires_at > $5
                returning s.ritual_id, s.number, s.attempt, s.leased_at, s.agent_id, s.agent_name
            ),
            nxt as (
                update step s set status = case when $7 then 'LEASED' else 'READY' end, ready_at = $5,
                    attempt = case when $7 then s.attempt + 1 else s.attempt end,
                    agent_id = case when $7 then done.agent_id end, agent_name = case when $7 then done.agent_name end,
                    lease_token = case when $7 then gen_random_uuid() end, leased_at = case when $7 then $5 end,
                    lease_expires_at = case when $7 then $5::timestamptz + r.step_timeout_seconds * interval '1 second' end
                from done, r
                where s.ritual_id = done.ritual_id and s.number = done.number + 1 and s.status = 'PENDING'
                returning s.number, s.attempt, s.lease_token, s.lease_expires_at
            ),
            upd as (
                update ritual t set steps_completed = t.steps_completed + 1,
                    current_step = least(done.number + 1, t.steps_total), last_progress_at = $5, status = 'RUNNING',
                    started_at = coalesce(t.started_at, done.leased_at)
                from done where t.id = done.ritual_id
                returning t.id, t.steps_completed, t.steps_total, t.participants
            ),
            touch as (
                update agent set last_seen_at = $5
                where id = (select a.id from agent a, done where a.id = done.agent_id
                            and a.last_seen_at < $5::timestamptz - interval '1 second' for update of a skip locked)
            ),
            ev as (
                insert into event (type, ritual_id, created_at, payload)
                select 'ritual_progress', upd.id, $5, jsonb_build_object('ritual_id', upd.id, 'status', 'RUNNING',
                    'step', done.number, 'step_status', 'COMPLETED', 'agent', done.agent_name, 'attempt', done.attempt,
                    'steps_completed', upd.steps_completed, 'steps_total', upd.steps_total)
                from upd, done
            )
            select done.number, upd.steps_completed, upd.steps_total, upd.participants, r.mantra,
                   nxt.number as next_number, nxt.attempt as next_attempt, nxt.lease_token as next_token,
                   nxt.lease_expires_at as next_expires
            from upd cross join done cross join r left join nxt on true
            """;

    /** What a completion did. {@code nextLease} is set only when the caller asked for one and got one. */
    public record Completion(UUID ritualId, int step, int stepsCompleted, int stepsTotal, boolean ritualCompleted,
                             LeaseGrant nextLease) {
    }

    private final Db db;
    private final Clock clock;
    private final LeaseWaiters waiters;
    private final LostAttempts lostAttempts;
    private final RitualFinisher finisher;
    private final EventLog events;
    private final long preferOtherMillis;
    /** steps_total never changes, so the hot path can tell a ritual's last step without a query. */
    private final Map<UUID, Integer> stepsTotal = new ConcurrentHashMap<>();

    private final Draining draining;
    private final Metrics metrics;

    public StepLeases(Db db, Clock clock, LeaseWaiters waiters, LostAttempts lostAttempts, RitualFinisher finisher,
                      EventLog events, HelixConfig config, Draining draining,
                      Metrics metrics) {
        this.draining = draining;
        this.metrics = metrics;
        this.db = db;
        this.clock = clock;
        this.waiters = waiters;
        this.lostAttempts = lostAttempts;
        this.finisher = finisher;
        this.events = events;
        this.preferOtherMillis = config.retry().preferOtherAgentFor().toMillis();
    }

    /** One attempt to lease up to {@code max} READY steps the agent may take. */
    public Uni<List<LeaseGrant>> lease(Caller agent, int max) {
        if (draining.draining()) {
            return Uni.createFrom().item(List.of()); // shutting down: work goes to the other replicas
        }
        Instant now = clock.instant();
        return db.query(LEASE, Tuple.of(agent.agentId(), agent.agentEpoch(), ts(now), (long) max)
                        .addValue(preferOtherMillis))
                .map(rows -> {
                    List<LeaseGrant> grants = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        LeaseGrant grant = LeaseGrant.from(row);
                        remember(grant.ritualId(), grant.stepsTotal());
                        grants.add(grant);
                        if (grant.attempt() == 1 && grant.step() > 1) {
                            // the completion of step n made step n+1 READY at the same instant
                            metrics.handoff(Duration.between(row.getOffsetDateTime("ready_at").toInstant(), now));
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

    public Uni<Completion> complete(Caller caller, UUID ritualId, int step, UUID token, JsonObject output,
                                    boolean leaseNext) {
        Instant now = clock.instant();
        boolean eager = leaseNext && caller.isAgent() && !draining.draining();
        Tuple args = Tuple.of(ritualId, step, token, caller.isAgent() ? caller.agentId() : null, ts(now), output)
                .addValue(eager);
        Integer total = stepsTotal.get(ritualId);
        Uni<Outcome> outcome;
        if (total != null && step < total) {
            outcome = db.query(COMPLETE, args).map(rows -> outcome(ritualId, rows));
        } else {
            // the last step (or one we cannot tell): the UCF effect must commit with the completion
            outcome = db.inTransaction(tx -> tx.preparedQuery(COMPLETE).execute(args).flatMap(rows -> {
                Outcome o = outcome(ritualId, rows);
                return o == null || o.completion().step() < o.completion().stepsTotal()
                        ? Uni.createFrom().item(o)
                        : finisher.finish(tx, ritualId, now).map(o::finished);
            }));
        }
        return outcome
                .onItem().ifNull().switchTo(() -> refusal(caller, ritualId, step, token))
                .flatMap(o -> afterCompletion(caller, o, eager));
    }

    /** A completion and, when it made the next step READY (not leased), who may take that step. */
    private record Outcome(Completion completion, List<String> nextReadyFor) {
        Outcome finished(boolean ritualCompleted) {
            Completion c = completion;
            return new Outcome(new Completion(c.ritualId(), c.step(), c.stepsCompleted(), c.stepsTotal(), ritualCompleted,
                    c.nextLease()), nextReadyFor);
        }
    }

    private Outcome outcome(UUID ritualId, RowSet<Row> rows) {
        if (rows.size() == 0) {
            return null;
        }
        Row row = rows.iterator().next();
        int total = row.getInteger("steps_total");
        remember(ritualId, total);
        Integer next = row.getInteger("next_number");
        LeaseGrant nextLease = next == null || row.getUUID("next_token") == null ? null
                : new LeaseGrant(ritualId, next, row.getInteger("next_attempt"), row.getUUID("next_token"),
                row.getOffsetDateTime("next_expires"), row.getString("mantra"), total);
        List<String> nextReadyFor = next != null && nextLease == null ? Arrays.asList(row.getArrayOfStrings("participants"))
                : null;
        return new Outcome(new Completion(ritualId, row.getInteger("number"), row.getInteger("steps_completed"),
                total, false, nextLease), nextReadyFor);
    }

    private Uni<Completion> afterCompletion(Caller caller, Outcome outcome, boolean eager) {
        events.committed();
        Completion c = outcome.completion();
        metrics.stepCompleted(c.nextLease() != null ? Duration.ZERO : null);
        if (c.ritualCompleted()) {
            stepsTotal.remove(c.ritualId());
        }
        if (outcome.nextReadyFor() != null) {
            waiters.ready(outcome.nextReadyFor(), 1);
        }
        if (!eager || c.nextLease() != null) {
            return Uni.createFrom().item(c);
        }
        // the ritual has no next step for this agent (it just finished): hand it the oldest ready step elsewhere
        return lease(caller, 1).map(grants -> new Completion(c.ritualId(), c.step(), c.stepsCompleted(), c.stepsTotal(),
                c.ritualCompleted(), grants.isEmpty() ? null : grants.get(0)));
    }

    public Uni<LostAttempts.Lost> fail(Caller caller, UUID ritualId, int step, UUID token, String error,
                                        boolean retryable) {
        return db.bounded(lostAttempts.apply(db.pool(), LostAttempts.Selection.LEASE, clock.instant(),
                        error, true, retryable, false, ritualId, step, token, caller.isAgent() ? caller.agentId() : null))
                .flatMap(lost -> {
                    if (lost.isEmpty()) {
                        return refusal(caller, ritualId, step, token);
                    }
                    events.committed();
                    waiters.ready(lost);
                    return Uni.createFrom().item(lost.get(0));
                });
    }

    /**
     * Explains why a completion or failure changed nothing: 404 for an unknown step, 403 for another agent's
     * lease, 409 for everything the state forbids (stale token, already completed, ritual over).
     */
    private <T> Uni<T> refusal(Caller caller, UUID ritualId, int step, UUID token) {
        return db.query("""
                        select s.status, s.agent_id, s.lease_token, s.lease_expires_at, r.status as ritual_status
                        from step s join ritual r on r.id = s.ritual_id where s.ritual_id = $1 and s.number = $2""",
                        Tuple.of(ritualId, step))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("ritual " + ritualId + " has no step " + step);
                    }
                    Row row = rows.iterator().next();
                    StepStatus status = StepStatus.valueOf(row.getString("status"));
                    if (caller.isAgent() && status == StepStatus.LEASED && token.equals(row.getUUID("lease_token"))
                            && !caller.agentId().equals(row.getUUID("agent_id"))) {
                        throw ProblemException.forbidden("step " + step + " is leased by another agent");
                    }
                    RitualStatus ritualStatus = RitualStatus.valueOf(row.getString("ritual_status"));
                    if (!ritualStatus.live()) {
                        throw ProblemException.conflict("ritual is " + ritualStatus + "; its leases are void");
                    }
                    if (status == StepStatus.LEASED && token.equals(row.getUUID("lease_token"))) {
                        // the hard start-to-close timeout: the sweep is about to count this attempt as lost
                        throw ProblemException.conflict("the lease of step " + step + " expired at "
                                + row.getOffsetDateTime("lease_expires_at"));
                    }
                    throw ProblemException.conflict(switch (status) {
                        case COMPLETED -> "step " + step + " is already completed";
                        case SKIPPED -> "step " + step + " was skipped";
                        case LEASED -> "stale lease token: step " + step + " is leased under another token";
                        default -> "step " + step + " is " + status + "; the lease is no longer valid";
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

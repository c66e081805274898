package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventLog;
import org.helix.events.EventType;
import org.helix.platform.Db;
import org.helix.platform.DbHealth;
import org.helix.platform.HelixConfig;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.helix.platform.ProblemException;
import org.helix.platform.tracing.Tracing;
import org.helix.platform.tracing.Tracing.Subject;
import org.helix.ucf.UcfService;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.helix.platform.Time.ts;

/**
 * The ritual state machine's writes: one method per {@link Transition}, each one guarded statement in the lock
 * order of {@link RitualSql} (a lost attempt is two: its rows are locked and read, {@link LostAttempt} decides,
 * one statement writes). The database decides every race; a method answers what changed, or that nothing did.
 * Methods that take a connection run inside the caller's transaction; the others are transactions of their own.
 */
@ApplicationScoped
public class RitualStore {

    private static final Logger LOG = Logger.getLogger(RitualStore.class);

    private final Db db;
    private final DbHealth health;
    private final UcfService ucf;
    private final Metrics metrics;
    private final Backoff backoff;
    private final Tracing tracing;
    private final GroupCommit<Completion, Completed> completions;

    public RitualStore(Db db, DbHealth health, UcfService ucf, Metrics metrics, HelixConfig config, Tracing tracing) {
        this.db = db;
        this.health = health;
        this.ucf = ucf;
        this.metrics = metrics;
        this.backoff = Backoff.of(config.retry());
        this.tracing = tracing;
        // a batch is stamped with its earliest arrival: a completion that came before its lease expired is not
        // refused for having waited for the statement before it
        this.completions = new GroupCommit<>(config.db().completionsInFlight(), config.db().completionsPerStatement(),
                Completion::ritualId, batch -> db.query(RitualSql.COMPLETE, completeArgs(batch, batch.get(0).now()))
                .map(rows -> completed(batch, rows)));
    }

    // --- CREATE -------------------------------------------------------------------------------------------------

    /** A ritual as it is written, defaults applied. */
    public record NewRitual(UUID id, int steps, String mantra, List<String> participants, String priority,
                            int stepTimeoutSeconds, int maxAttempts, Integer expectedSeconds, String createdBy,
                            Instant now, Instant deadline, JsonObject input, Integer heartbeatTimeoutSeconds,
                            List<String> requiredCapabilities) {
    }

    /** An Idempotency-Key claimed in the creating transaction. */
    public record KeyClaim(String principal, String key, String requestHash) {
    }

    /** Thrown inside the creating transaction to roll it back when another request took the key first. */
    public static final class KeyTaken extends RuntimeException {
        KeyTaken() {
            super(null, null, false, false);
        }
    }

    public Uni<Void> create(NewRitual r, KeyClaim claim) {
        Tuple args = Tuple.of(r.id(), r.steps(), r.mantra(), r.participants().toArray(String[]::new), r.priority(),
                        r.stepTimeoutSeconds())
                .addValue(r.maxAttempts()).addValue(r.expectedSeconds()).addValue(r.createdBy())
                .addValue(ts(r.now())).addValue(ts(r.deadline())).addValue(r.input())
                .addValue(r.requiredCapabilities().toArray(String[]::new)).addValue(r.heartbeatTimeoutSeconds());
        return tracing.transition(Transition.CREATE.span(), new Subject(r.id(), null, null), () -> db.inTransaction(tx -> tx
                .preparedQuery(RitualSql.CREATE).execute(args).flatMap(created -> claim == null
                ? Uni.createFrom().voidItem()
                : tx.preparedQuery("""
                                insert into idempotency_key (principal, key, request_hash, ritual_id, created_at)
                                values ($1, $2, $3, $4, $5) on conflict do nothing""")
                        .execute(Tuple.of(claim.principal(), claim.key(), claim.requestHash(), r.id(), ts(r.now())))
                        .invoke(rows -> {
                            if (rows.rowCount() == 0) {
                                throw new KeyTaken();
                            }
                        }).replaceWithVoid())));
    }

    // --- LEASE --------------------------------------------------------------------------------------------------

    /** A lease and when its step became READY (the handoff metric's start). */
    public record Leased(LeaseGrant grant, OffsetDateTime readyAt) {
    }

    public Uni<List<Leased>> lease(UUID agentId, int epoch, int max, Instant now, Duration preferOther) {
        return tracing.transition(Transition.LEASE.span(), new Subject(null, null, agentId), () -> db.query(RitualSql.LEASE,
                        Tuple.of(agentId, epoch, ts(now), (long) max, preferOther.toMillis()))
                .map(rows -> {
                    List<Leased> leased = new ArrayList<>(rows.size());
                    rows.forEach(row -> leased.add(new Leased(RitualRows.grant(row), row.getOffsetDateTime("ready_at"))));
                    return leased;
                }), leased -> leased.stream().map(l -> new Subject(l.grant().ritualId(), l.grant().step(), agentId)).toList());
    }

    // --- COMPLETE and FINISH ------------------------------------------------------------------------------------

    /** A completion as presented: {@code agentId} null when an admin speaks for the agent. */
    public record Completion(UUID ritualId, int step, UUID leaseToken, UUID agentId, Instant now, JsonObject output,
                             boolean eager) {
    }

    /**
     * What a completion did. {@code nextLease}: step n+1 leased to the same agent (eager dispatch);
     * {@code nextReadyFor}: step n+1 became READY for these participants (empty: anyone); null when neither.
     */
    public record Completed(UUID ritualId, int step, int stepsCompleted, int stepsTotal, boolean ritualCompleted,
                            LeaseGrant nextLease, List<String> nextReadyFor) {
    }

    /**
     * COMPLETE; when it may be the last step ({@code lastStep}), FINISH in the same transaction, since the UCF
     * effect must commit with it. Null when the guard refused it.
     */
    public Uni<Completed> complete(Completion c, boolean lastStep) {
        return tracing.transition(Transition.COMPLETE.span(), new Subject(c.ritualId(), c.step(), c.agentId()),
                () -> completeTraced(c, lastStep));
    }

    /**
     * All but a ritual's last step go through group commit: many completions, one statement, one commit. The last
     * step finishes the ritual in the same transaction, with its UCF effect on the one field row; that stays a
     * transaction of its own, so a batch never waits for the UCF row.
     */
    private Uni<Completed> completeTraced(Completion c, boolean lastStep) {
        if (!lastStep) {
            return completions.submit(c);
        }
        return db.inTransaction(tx -> tx.preparedQuery(RitualSql.COMPLETE).execute(completeArgs(List.of(c), c.now()))
                .flatMap(rows -> {
                    Completed done = completed(List.of(c), rows).get(0);
                    return done == null || done.step() < done.stepsTotal() ? Uni.createFrom().item(done)
                            : finish(tx, c.ritualId(), c.now()).map(finished -> new Completed(done.ritualId(), done.step(),
                            done.stepsCompleted(), done.stepsTotal(), finished, done.nextLease(), done.nextReadyFor()));
                }));
    }

    /** COMPLETE's parameters: now, then a column array per field of the completions (at most one per ritual). */
    private static Tuple completeArgs(List<Completion> batch, Instant now) {
        int n = batch.size();
        UUID[] rituals = new UUID[n];
        Integer[] steps = new Integer[n];
        UUID[] tokens = new UUID[n];
        UUID[] agents = new UUID[n];
        Object[] outputs = new Object[n];
        Boolean[] eager = new Boolean[n];
        for (int i = 0; i < n; i++) {
            Completion c = batch.get(i);
            rituals[i] = c.ritualId();
            steps[i] = c.step();
            tokens[i] = c.leaseToken();
            agents[i] = c.agentId();
            outputs[i] = c.output();
            eager[i] = c.eager();
        }
        return Tuple.of(ts(now), rituals, steps, tokens, agents, outputs).addValue(eager);
    }

    /** Each completion's outcome, in the batch's order: null where its guard refused it. */
    private static List<Completed> completed(List<Completion> batch, RowSet<Row> rows) {
        Map<UUID, Row> byRitual = new HashMap<>();
        rows.forEach(row -> byRitual.put(row.getUUID("ritual_id"), row));
        List<Completed> outcomes = new ArrayList<>(batch.size());
        for (Completion c : batch) {
            Row row = byRitual.get(c.ritualId());
            outcomes.add(row == null || row.getInteger("number") != c.step() ? null : completed(c.ritualId(), row));
        }
        return outcomes;
    }

    private static Completed completed(UUID ritualId, Row row) {
        int total = row.getInteger("steps_total");
        LeaseGrant nextLease = RitualRows.nextGrant(ritualId, row);
        List<String> nextReadyFor = row.getInteger("next_number") != null && nextLease == null
                ? RitualRows.strings(row, "participants") : null;
        return new Completed(ritualId, row.getInteger("number"), row.getInteger("steps_completed"), total, false,
                nextLease, nextReadyFor);
    }

    /**
     * FINISH inside the caller's transaction: the ritual COMPLETED with its UCF effect and ritual_completion. The
     * status guard makes it exactly once: whoever finishes second finds the ritual no longer runnable.
     *
     * @return true if this call completed the ritual
     */
    public Uni<Boolean> finish(SqlClient tx, UUID ritualId, Instant now) {
        return tracing.transition(Transition.FINISH.span(), new Subject(ritualId, null, null), () -> finishTraced(tx, ritualId, now));
    }

    private Uni<Boolean> finishTraced(SqlClient tx, UUID ritualId, Instant now) {
        return tx.preparedQuery(RitualSql.FINISHABLE).execute(Tuple.of(ritualId)).flatMap(rows -> {
            if (rows.size() == 0) {
                return Uni.createFrom().item(false);
            }
            Row row = rows.iterator().next();
            int completed = row.getInteger("steps_completed");
            int total = row.getInteger("steps_total");
            double duration = Duration.between(row.getOffsetDateTime("created_at").toInstant(), now).toMillis() / 1000.0;
            return ucf.applyRitual(tx, ritualId, completed, now).flatMap(change -> {
                JsonObject before = change.before().toJson();
                JsonObject after = change.after().toJson();
                EventLog.Completion event = new EventLog.Completion(ritualId, total, completed, duration, before, after);
                return tx.preparedQuery(RitualSql.FINISH)
                        .execute(Tuple.of(ritualId, ts(now), before, after, event.json()))
                        .invoke(() -> {
                            metrics.ritualsFinished(RitualStatus.COMPLETED.name(), 1);
                            Logs.info(LOG, ritualId, null, "ritual completed in %.3f s: harmony %.4f -> %.4f", duration,
                                    change.before().harmony(), change.after().harmony());
                        })
                        .replaceWith(true);
            });
        });
    }

    // --- LOSE ---------------------------------------------------------------------------------------------------

    /** Which leases are lost. Each selection's condition reads its own parameters from $1. */
    public sealed interface Loss {
        String condition();

        Tuple args();

        /** Sweeps pass rituals another replica is working on; a request waits for its ritual. */
        default boolean skipLocked() {
            return false;
        }

        default String order() {
            return "";
        }
    }

    /** The lease an agent presents to fail it. {@code agentId} null when an admin speaks for the agent. */
    public record OfLease(UUID ritualId, int step, UUID leaseToken, UUID agentId, Instant now) implements Loss {
        public String condition() {
            return "s.ritual_id = $1 and s.number = $2 and s.lease_token = $3 and ($4::uuid is null or s.agent_id = $4)"
                    + " and s.lease_expires_at > $5 and (s.heartbeat_due_at is null or s.heartbeat_due_at > $5)";
        }

        public Tuple args() {
            return Tuple.of(ritualId, step, leaseToken, agentId, ts(now));
        }
    }

    /** Leases past their hard start-to-close timeout, oldest first. */
    public record Expired(Instant now, int batch) implements Loss {
        public String condition() {
            return "s.lease_expires_at <= $1";
        }

        public String order() {
            return "order by s.lease_expires_at limit $2";
        }

        public boolean skipLocked() {
            return true;
        }

        public Tuple args() {
            return Tuple.of(ts(now), (long) batch);
        }
    }

    /** Leases whose step heartbeat is overdue (rituals with a heartbeat timeout), oldest first. */
    public record HeartbeatMissed(Instant now, int batch) implements Loss {
        public String condition() {
            return "s.heartbeat_due_at <= $1";
        }

        public String order() {
            return "order by s.heartbeat_due_at limit $2";
        }

        public boolean skipLocked() {
            return true;
        }

        public Tuple args() {
            return Tuple.of(ts(now), (long) batch);
        }
    }

    /** Every lease one agent holds (it registered again, left, or was reinitialised). */
    public record OfAgent(UUID agentId) implements Loss {
        public String condition() {
            return "s.agent_id = $1";
        }

        public Tuple args() {
            return Tuple.of(agentId);
        }
    }

    /** Leases still held by agents that are OFFLINE. */
    public record OfOfflineAgents(int batch) implements Loss {
        public String condition() {
            return "s.agent_id in (select id from agent where status = 'OFFLINE')";
        }

        public String order() {
            return "limit $1";
        }

        public boolean skipLocked() {
            return true;
        }

        public Tuple args() {
            return Tuple.of((long) batch);
        }
    }

    /** The lease of one step, whoever holds it (an operator moves the step). */
    public record OfStep(UUID ritualId, int step) implements Loss {
        public String condition() {
            return "s.ritual_id = $1 and s.number = $2";
        }

        public Tuple args() {
            return Tuple.of(ritualId, step);
        }
    }

    /** What happened to one step; {@code participants} say who may take it again (empty: anyone). */
    public record Lost(UUID ritualId, int step, StepStatus status, int attempt, UUID agentId, Instant readyAt,
                       List<String> participants) {
    }

    /** LOSE in a transaction of its own. {@code reason} null: the cause's own words. */
    public Uni<List<Lost>> lose(Loss loss, LostAttempt.Cause cause, String reason, boolean retryable, Instant now) {
        return db.inTransaction(tx -> lose(tx, loss, cause, reason, retryable, now));
    }

    /** LOSE inside the caller's transaction. */
    public Uni<List<Lost>> lose(SqlConnection tx, Loss loss, LostAttempt.Cause cause, String reason, boolean retryable,
                                Instant now) {
        Subject subject = loss instanceof OfLease l ? new Subject(l.ritualId(), l.step(), l.agentId())
                : loss instanceof OfStep s ? new Subject(s.ritualId(), s.step(), null) : null;
        return tracing.transition(Transition.LOSE.span(), subject, () -> loseTraced(tx, loss, cause, reason, retryable, now),
                lost -> lost.stream().map(l -> new Subject(l.ritualId(), l.step(), l.agentId())).toList());
    }

    private Uni<List<Lost>> loseTraced(SqlConnection tx, Loss loss, LostAttempt.Cause cause, String reason,
                                       boolean retryable, Instant now) {
        String why = reason == null ? cause.reason : reason;
        Instant reachableSince = health.reachableSince();
        return tx.preparedQuery(RitualSql.held(loss.condition(), loss.order(), loss.skipLocked())).execute(loss.args())
                .flatMap(held -> {
                    if (held.size() == 0) {
                        return Uni.createFrom().item(List.<Lost>of());
                    }
                    int n = held.size();
                    UUID[] rituals = new UUID[n];
                    Integer[] steps = new Integer[n];
                    UUID[] tokens = new UUID[n];
                    String[] statuses = new String[n];
                    OffsetDateTime[] readyAt = new OffsetDateTime[n];
                    Integer[] attempts = new Integer[n];
                    String[] reasons = new String[n];
                    Boolean[] tell = new Boolean[n];
                    Integer[] lostAttempts = new Integer[n];
                    List<List<String>> participants = new ArrayList<>(n);
                    int i = 0;
                    for (Row row : held) {
                        LostAttempt decided = LostAttempt.decide(cause, why, retryable, row.getInteger("attempt"),
                                row.getInteger("max_attempts"), lostAt(cause, row, now), reachableSince, now, backoff,
                                ThreadLocalRandom.current().nextDouble());
                        rituals[i] = row.getUUID("ritual_id");
                        steps[i] = row.getInteger("number");
                        tokens[i] = row.getUUID("lease_token");
                        statuses[i] = decided.status().name();
                        readyAt[i] = ts(decided.readyAt());
                        attempts[i] = decided.attempt();
                        reasons[i] = decided.reason();
                        tell[i] = cause.tell;
                        lostAttempts[i] = row.getInteger("attempt");
                        participants.add(RitualRows.strings(row, "participants"));
                        i++;
                    }
                    return tx.preparedQuery(RitualSql.LOSE)
                            .execute(Tuple.of(ts(now), rituals, steps, tokens, statuses, readyAt).addValue(attempts)
                                    .addValue(reasons).addValue(tell).addValue(lostAttempts))
                            .map(rows -> lost(rows, rituals, participants, cause, why));
                });
    }

    /** When a lease was lost: a timeout at its expiry or heartbeat deadline, anything else now. */
    private static Instant lostAt(LostAttempt.Cause cause, Row row, Instant now) {
        return switch (cause) {
            case TIMEOUT -> row.getOffsetDateTime("lease_expires_at").toInstant();
            case HEARTBEAT_TIMEOUT -> row.getOffsetDateTime("heartbeat_due_at").toInstant();
            default -> now;
        };
    }

    private List<Lost> lost(RowSet<Row> rows, UUID[] rituals, List<List<String>> participants,
                            LostAttempt.Cause cause, String reason) {
        Map<UUID, List<String>> participantsOf = new HashMap<>();
        for (int i = 0; i < rituals.length; i++) {
            participantsOf.put(rituals[i], participants.get(i));
        }
        List<Lost> lost = new ArrayList<>(rows.size());
        for (Row row : rows) {
            UUID ritual = row.getUUID("ritual_id");
            Lost one = new Lost(ritual, row.getInteger("number"), StepStatus.valueOf(row.getString("status")),
                    row.getInteger("attempt"), row.getUUID("agent_id"), row.getOffsetDateTime("ready_at").toInstant(),
                    participantsOf.get(ritual));
            lost.add(one);
            Logs.info(LOG, one.ritualId(), one.agentId(), "step %d attempt %d lost (%s): now %s", one.step(),
                    one.attempt(), reason, one.status());
        }
        if (cause.metric == null) {
            metrics.attemptsFailed(lost.size());
        } else {
            metrics.leasesRevoked(cause.metric, lost.size());
        }
        return lost;
    }

    // --- HEARTBEAT ----------------------------------------------------------------------------------------------

    /** A step heartbeat as presented: {@code agentId} null when an admin speaks for the agent. */
    public record Heartbeat(UUID ritualId, int step, UUID leaseToken, UUID agentId, Instant now, JsonObject progress) {
    }

    /** The lease goes on: until when at the latest, and when the next heartbeat is due (null: none needed). */
    public record Beat(OffsetDateTime leaseExpiresAt, OffsetDateTime heartbeatDueAt) {
    }

    /** HEARTBEAT; null when the lease is no longer the presenter's (the guard refused it). */
    public Uni<Beat> heartbeat(Heartbeat h) {
        return tracing.transition(Transition.HEARTBEAT.span(), new Subject(h.ritualId(), h.step(), h.agentId()),
                () -> heartbeatTraced(h));
    }

    private Uni<Beat> heartbeatTraced(Heartbeat h) {
        return db.query(RitualSql.HEARTBEAT, Tuple.of(h.ritualId(), h.step(), h.leaseToken(), h.agentId(), ts(h.now()),
                        h.progress()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new Beat(row.getOffsetDateTime("lease_expires_at"), row.getOffsetDateTime("heartbeat_due_at"));
                });
    }

    // --- CANCEL, TIME_OUT, TERMINATE, RELEASE -------------------------------------------------------------------

    /** A ritual that ended, and the status it had. */
    public record Ended(UUID ritualId, RitualStatus previous) {
    }

    /** CANCEL: one live ritual, by a client. */
    public Uni<List<Ended>> cancel(UUID ritualId, Instant now) {
        return tracing.transition(Transition.CANCEL.span(), new Subject(ritualId, null, null),
                () -> db.guarded(() -> end(db.pool(), RitualSql.END_ONE, ritualId, RitualStatus.CANCELLED,
                        EventType.RITUAL_PROGRESS, "cancelled", now)));
    }

    /** TERMINATE: one live ritual ends FAILED, inside an operator's transaction. */
    public Uni<List<Ended>> terminate(SqlConnection tx, UUID ritualId, String reason, Instant now) {
        return tracing.transition(Transition.TERMINATE.span(), new Subject(ritualId, null, null),
                () -> end(tx, RitualSql.END_ONE, ritualId, RitualStatus.FAILED, EventType.RITUAL_FAILED, reason, now));
    }

    /** TIME_OUT: up to {@code batch} live rituals past their deadline. */
    public Uni<List<Ended>> timeOut(int batch, Instant now) {
        return tracing.transition(Transition.TIME_OUT.span(), null,
                () -> db.guarded(() -> end(db.pool(), RitualSql.END_PAST_DEADLINE, (long) batch, RitualStatus.TIMED_OUT,
                        EventType.RITUAL_TIMEOUT, "deadline exceeded", now)),
                ended -> ended.stream().map(e -> new Subject(e.ritualId(), null, null)).toList());
    }

    private Uni<List<Ended>> end(SqlClient client, String statement, Object selection, RitualStatus to, EventType event,
                                 String reason, Instant now) {
        return client.preparedQuery(statement)
                .execute(Tuple.of(ts(now), reason, to.name(), event.wire(), selection))
                .map(rows -> {
                    List<Ended> ended = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        ended.add(new Ended(row.getUUID("id"), RitualStatus.valueOf(row.getString("previous"))));
                        metrics.leasesRevoked("ritual_ended", row.getInteger("revoked"));
                        Logs.info(LOG, row.getUUID("id"), null, "ritual %s: %s", to, reason);
                    }
                    metrics.ritualsFinished(to.name(), ended.size());
                    return ended;
                });
    }

    /** RELEASE: leases committed while their ritual was ending go back, as the ending would have done. */
    public Uni<Integer> release(Instant now, int batch) {
        return tracing.transition(Transition.RELEASE.span(), null, () -> db.query(RitualSql.RELEASE, Tuple.of(ts(now), batch))
                .map(rows -> {
                    List<Subject> released = new ArrayList<>(rows.size());
                    rows.forEach(row -> released.add(new Subject(row.getUUID("ritual_id"), row.getInteger("number"),
                            row.getUUID("agent_id"))));
                    metrics.leasesRevoked("ritual_ended", released.size());
                    return released;
                }), released -> released).map(List::size);
    }

    // --- operators: SKIP, RETRY, REASSIGN, RESUME ---------------------------------------------------------------

    /** The ritual (locked for the rest of the caller's transaction) and its step {@code n} before a repair. */
    public Uni<Repairs.Snapshot> lockForRepair(SqlConnection tx, UUID ritual, Integer step) {
        return tx.preparedQuery(RitualSql.SNAPSHOT).execute(Tuple.of(ritual, step)).map(rows -> {
            if (rows.size() == 0) {
                throw ProblemException.notFound("no ritual " + ritual);
            }
            Row row = rows.iterator().next();
            if (step != null && row.getInteger("number") == null) {
                throw ProblemException.notFound("ritual " + ritual + " has no step " + step);
            }
            String stepStatus = row.getString("step_status");
            return new Repairs.Snapshot(ritual, RitualStatus.valueOf(row.getString("status")),
                    row.getInteger("current_step"), row.getInteger("steps_total"), RitualRows.strings(row, "participants"),
                    RitualRows.strings(row, "required_capabilities"),
                    row.getInteger("number") == null ? 0 : row.getInteger("number"),
                    stepStatus == null ? null : StepStatus.valueOf(stepStatus),
                    row.getInteger("attempt") == null ? 0 : row.getInteger("attempt"), row.getString("agent_name"),
                    row.getUUID("reserved_for"), row.getOffsetDateTime("ready_at"), row.getString("error"));
        });
    }

    /** RETRY ({@code reservedFor} null) or REASSIGN: the step READY now; its lease, if any, revoked. */
    public Uni<Void> offer(SqlConnection tx, Repairs.Snapshot before, UUID reservedFor, String reason, Instant now) {
        Transition t = reservedFor == null ? Transition.RETRY : Transition.REASSIGN;
        return tracing.transition(t.span(), new Subject(before.ritual(), before.step(), reservedFor),
                () -> revoke(tx, before, reason, now).flatMap(v -> tx.preparedQuery(RitualSql.OFFER)
                        .execute(Tuple.of(before.ritual(), before.step(), ts(now), reservedFor, reason)).replaceWithVoid()));
    }

    /** SKIP, then FINISH when it was the last step. */
    public Uni<Void> skip(SqlConnection tx, Repairs.Snapshot before, Instant now) {
        return tracing.transition(Transition.SKIP.span(), new Subject(before.ritual(), before.step(), null),
                () -> revoke(tx, before, "skipped by an operator", now)
                        .flatMap(v -> tx.preparedQuery(RitualSql.SKIP).execute(Tuple.of(before.ritual(), before.step(), ts(now))))
                        .flatMap(v -> before.step() == before.stepsTotal() ? finish(tx, before.ritual(), now).replaceWithVoid()
                                : Uni.createFrom().voidItem()));
    }

    /** RESUME from {@code fromStep} with a new deadline. */
    public Uni<Void> resume(SqlConnection tx, UUID ritual, int fromStep, Instant now, Instant deadline) {
        return tracing.transition(Transition.RESUME.span(), new Subject(ritual, fromStep, null),
                () -> tx.preparedQuery(RitualSql.RESUME).execute(Tuple.of(ritual, fromStep, ts(now), ts(deadline)))
                        .replaceWithVoid());
    }

    /** A lease an operator takes away is not the step's fault: the attempt is given back and the agent told. */
    private Uni<Void> revoke(SqlConnection tx, Repairs.Snapshot before, String reason, Instant now) {
        if (before.stepStatus() != StepStatus.LEASED) {
            return Uni.createFrom().voidItem();
        }
        return lose(tx, new OfStep(before.ritual(), before.step()), LostAttempt.Cause.OPERATOR, reason, true, now)
                .replaceWithVoid();
    }
}

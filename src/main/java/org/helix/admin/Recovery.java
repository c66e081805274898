package org.helix.admin;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventLog;
import org.helix.events.EventType;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.rituals.LeaseWaiters;
import org.helix.rituals.LostAttempts;
import org.helix.rituals.RitualEnding;
import org.helix.rituals.RitualFinisher;
import org.helix.rituals.RitualStatus;
import org.helix.rituals.StepStatus;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

import static org.helix.platform.Time.ts;

/**
 * An operator's repairs of one ritual: retry, skip or reassign its current step, resume it, terminate it.
 * Each runs in one transaction that locks the ritual first (like every transition), checks that the state
 * allows it (409 otherwise), changes it, and writes its event and its audit entry. Repeating a repair that
 * already took effect changes nothing and answers 200, so a nervous operator's retry does no harm.
 */
@ApplicationScoped
public class Recovery {

    /** The ritual and its step {@code n} as they were before the repair. */
    record Snapshot(UUID ritual, RitualStatus status, int currentStep, int stepsTotal, List<String> participants,
                    int step, StepStatus stepStatus, int attempt, String agent, UUID reservedFor,
                    OffsetDateTime readyAt, String error) {

        JsonObject json() {
            return new JsonObject().put("status", status.name()).put("current_step", currentStep)
                    .put("step", step).put("step_status", stepStatus == null ? null : stepStatus.name())
                    .put("attempt", attempt).put("agent", agent)
                    .put("reserved_for", reservedFor == null ? null : reservedFor.toString()).put("error", error);
        }
    }

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final LostAttempts lostAttempts;
    private final RitualEnding ending;
    private final RitualFinisher finisher;
    private final LeaseWaiters waiters;
    private final EventLog events;
    private final AuditLog audit;

    public Recovery(Db db, Clock clock, HelixConfig config, LostAttempts lostAttempts, RitualEnding ending,
                    RitualFinisher finisher, LeaseWaiters waiters, EventLog events, AuditLog audit) {
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.lostAttempts = lostAttempts;
        this.ending = ending;
        this.finisher = finisher;
        this.waiters = waiters;
        this.events = events;
        this.audit = audit;
    }

    /** A new attempt for the current step now: from FAILED, from a backoff, or away from a stuck lease. */
    public Uni<Void> retry(Caller caller, UUID ritual, int n) {
        return repair(caller, "step.retry", ritual, n, (tx, before) -> {
            requireCurrentAndLive(before);
            if (before.stepStatus() == StepStatus.READY && !before.readyAt().toInstant().isAfter(clock.instant())) {
                return Uni.createFrom().item(false); // already offered now: nothing to do
            }
            if (before.stepStatus() != StepStatus.READY && before.stepStatus() != StepStatus.LEASED
                    && before.stepStatus() != StepStatus.FAILED) {
                throw ProblemException.conflict("step " + n + " is " + before.stepStatus() + " and cannot be retried");
            }
            return offerNow(tx, before, null, "operator retry").replaceWith(true);
        });
    }

    /** Skips the current step: the next one becomes READY; skipping the last completes the ritual. */
    public Uni<Void> skip(Caller caller, UUID ritual, int n) {
        return repair(caller, "step.skip", ritual, n, (tx, before) -> {
            if (before.stepStatus() == StepStatus.SKIPPED) {
                return Uni.createFrom().item(false);
            }
            requireCurrentAndLive(before);
            if (before.stepStatus() == StepStatus.COMPLETED || before.stepStatus() == StepStatus.PENDING) {
                throw ProblemException.conflict("step " + n + " is " + before.stepStatus() + " and cannot be skipped");
            }
            Instant now = clock.instant();
            return revokeLease(tx, before, "skipped by an operator")
                    .flatMap(v -> tx.preparedQuery("""
                            with skipped as (
                                update step set status = 'SKIPPED', lease_token = null, lease_expires_at = null,
                                    reserved_for = null, error = coalesce(error, 'skipped by an operator')
                                where ritual_id = $1 and number = $2 returning number
                            ),
                            nxt as (
                                update step set status = 'READY', ready_at = $3, attempt = 0
                                where ritual_id = $1 and number = $2 + 1 and status = 'PENDING'
                            ),
                            upd as (
                                update ritual set steps_skipped = steps_skipped + 1,
                                    current_step = least($2 + 1, steps_total), status = 'RUNNING',
                                    failure_reason = null, last_progress_at = $3
                                where id = $1 returning steps_completed, steps_total
                            )
                            insert into event (type, ritual_id, created_at, payload)
                            select 'ritual_progress', $1, $3, jsonb_build_object('ritual_id', $1::uuid, 'status', 'RUNNING',
                                'step', $2::int, 'step_status', 'SKIPPED', 'reason', 'skipped by an operator',
                                'steps_completed', upd.steps_completed, 'steps_total', upd.steps_total)
                            from upd""").execute(Tuple.of(ritual, n, ts(now))))
                    .flatMap(v -> n == before.stepsTotal() ? finisher.finish(tx, ritual, now).replaceWith(true)
                            : Uni.createFrom().item(true));
        });
    }

    /** Takes the current step from whoever holds it: only {@code agent} may lease it next. */
    public Uni<Void> reassign(Caller caller, UUID ritual, int n, String agentName) {
        return repair(caller, "step.reassign", ritual, n, (tx, before) -> tx.preparedQuery(
                        "select id from agent where name = $1").execute(Tuple.of(agentName))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.invalid("agent", "unknown agent '" + agentName + "'");
                    }
                    UUID agent = rows.iterator().next().getUUID("id");
                    requireCurrentAndLive(before);
                    if (!before.participants().isEmpty() && !before.participants().contains(agentName)) {
                        throw ProblemException.conflict(agentName + " is not a participant of this ritual");
                    }
                    if (agent.equals(before.reservedFor()) && before.stepStatus() == StepStatus.READY) {
                        return Uni.createFrom().item(false);
                    }
                    if (before.stepStatus() != StepStatus.READY && before.stepStatus() != StepStatus.LEASED
                            && before.stepStatus() != StepStatus.FAILED) {
                        throw ProblemException.conflict("step " + n + " is " + before.stepStatus() + " and cannot be reassigned");
                    }
                    return offerNow(tx, before, agent, "reassigned to " + agentName + " by an operator").replaceWith(true);
                }));
    }

    /** Restarts a STALLED, FAILED or TIMED_OUT ritual from {@code fromStep} with a fresh deadline. */
    public Uni<Void> resume(Caller caller, UUID ritual, Integer fromStep, Integer deadlineSeconds) {
        return repair(caller, "ritual.resume", ritual, null, (tx, before) -> {
            if (!Set.of(RitualStatus.STALLED, RitualStatus.FAILED, RitualStatus.TIMED_OUT).contains(before.status())) {
                throw ProblemException.conflict("ritual is " + before.status()
                        + "; only STALLED, FAILED or TIMED_OUT rituals can be resumed");
            }
            int from = fromStep == null ? before.currentStep() : fromStep;
            if (from < 1 || from > before.currentStep()) {
                throw ProblemException.invalid("from_step", "must be between 1 and " + before.currentStep()
                        + " (the first step not yet done)");
            }
            Instant now = clock.instant();
            int deadline = deadlineSeconds == null ? (int) config.ritual().deadline().toSeconds() : deadlineSeconds;
            return tx.preparedQuery("""
                    with reset as (
                        update step set status = case when number = $2 then 'READY' else 'PENDING' end,
                            ready_at = case when number = $2 then $3::timestamptz end, attempt = 0, agent_id = null, agent_name = null,
                            lease_token = null, leased_at = null, lease_expires_at = null, completed_at = null,
                            error = null, output = null, avoid_agent_id = null, reserved_for = null
                        where ritual_id = $1 and number >= $2
                    ),
                    kept as (
                        select count(*) filter (where status = 'COMPLETED') as completed,
                               count(*) filter (where status = 'SKIPPED') as skipped
                        from step where ritual_id = $1 and number < $2
                    ),
                    upd as (
                        update ritual set status = 'RUNNING', deadline_at = $4, finished_at = null, failure_reason = null,
                            current_step = $2, steps_completed = kept.completed, steps_skipped = kept.skipped,
                            last_progress_at = $3
                        from kept where id = $1 returning steps_completed, steps_total
                    )
                    insert into event (type, ritual_id, created_at, payload)
                    select 'ritual_progress', $1, $3, jsonb_build_object('ritual_id', $1::uuid, 'status', 'RUNNING',
                        'step', $2::int, 'step_status', 'READY', 'reason', 'resumed by an operator',
                        'steps_completed', upd.steps_completed, 'steps_total', upd.steps_total,
                        'deadline_at', $4::timestamptz)
                    from upd""").execute(Tuple.of(ritual, from, ts(now), ts(now.plusSeconds(deadline))))
                    .replaceWith(true);
        });
    }

    /** Ends a live ritual as FAILED, without a UCF effect. */
    public Uni<Void> terminate(Caller caller, UUID ritual, String reason) {
        return repair(caller, "ritual.terminate", ritual, null, (tx, before) -> {
            if (before.status() == RitualStatus.FAILED) {
                return Uni.createFrom().item(false);
            }
            if (!before.status().live()) {
                throw ProblemException.conflict("ritual is " + before.status() + " and cannot be terminated");
            }
            return ending.end(tx, RitualEnding.Selection.ONE, ritual, RitualStatus.FAILED, EventType.RITUAL_FAILED,
                    "terminated by an operator: " + reason, clock.instant()).replaceWith(true);
        });
    }

    private static void requireCurrentAndLive(Snapshot before) {
        if (!before.status().live()) {
            throw ProblemException.conflict("ritual is " + before.status() + "; resume it first");
        }
        if (before.step() != before.currentStep()) {
            throw ProblemException.conflict("step " + before.step() + " is not the current step ("
                    + before.currentStep() + ")");
        }
    }

    /** The step READY now (optionally reserved for one agent), its lease revoked, the ritual RUNNING again. */
    private Uni<Void> offerNow(SqlConnection tx, Snapshot before, UUID reservedFor, String reason) {
        Instant now = clock.instant();
        return revokeLease(tx, before, reason).flatMap(v -> tx.preparedQuery("""
                with offered as (
                    update step set status = 'READY', ready_at = $3, avoid_agent_id = null, reserved_for = $4,
                        lease_token = null, lease_expires_at = null
                    where ritual_id = $1 and number = $2
                ),
                upd as (
                    update ritual set status = 'RUNNING', failure_reason = null where id = $1
                    returning steps_completed, steps_total
                )
                insert into event (type, ritual_id, created_at, payload)
                select 'ritual_progress', $1, $3, jsonb_build_object('ritual_id', $1::uuid, 'status', 'RUNNING',
                    'step', $2::int, 'step_status', 'READY', 'reason', $5::text,
                    'steps_completed', upd.steps_completed, 'steps_total', upd.steps_total)
                from upd""").execute(Tuple.of(before.ritual(), before.step(), ts(now), reservedFor, reason))
                .replaceWithVoid());
    }

    /** A lease an operator takes away is not the step's fault: it gives the attempt back and tells the agent. */
    private Uni<Void> revokeLease(SqlConnection tx, Snapshot before, String reason) {
        if (before.stepStatus() != StepStatus.LEASED) {
            return Uni.createFrom().voidItem();
        }
        return lostAttempts.apply(tx, LostAttempts.Selection.STEP, clock.instant(), reason, false, true, true,
                before.ritual(), before.step()).replaceWithVoid();
    }

    /**
     * The frame of every repair: lock and read, let {@code change} decide (it answers whether it changed
     * anything), audit, commit; then wake agents and streams. Refusals are audited too.
     */
    private Uni<Void> repair(Caller caller, String action, UUID ritual, Integer step,
                             BiFunction<SqlConnection, Snapshot, Uni<Boolean>> change) {
        String target = "ritual:" + ritual + (step == null ? "" : "/step:" + step);
        return db.inTransaction(tx -> snapshot(tx, ritual, step).flatMap(before -> change.apply(tx, before)
                        .flatMap(changed -> snapshot(tx, ritual, step).flatMap(after -> audit.record(tx,
                                caller.principal(), action, target, before.json(), after.json(),
                                changed ? "ok" : "ok: no change needed")))))
                .invoke(() -> {
                    events.committed();
                    waiters.ready(List.of(), 1);
                })
                .onFailure(ProblemException.class).call(e -> audit.refused(caller.principal(), action, target, e.getMessage()));
    }

    private Uni<Snapshot> snapshot(SqlConnection tx, UUID ritual, Integer step) {
        return tx.preparedQuery("""
                        select r.status, r.current_step, r.steps_total, r.participants, s.number, s.status as step_status,
                               s.attempt, s.agent_name, s.reserved_for, s.ready_at, s.error
                        from ritual r left join step s on s.ritual_id = r.id and s.number = coalesce($2, r.current_step)
                        where r.id = $1 for update of r""")
                .execute(Tuple.of(ritual, step))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("no ritual " + ritual);
                    }
                    Row row = rows.iterator().next();
                    if (step != null && row.getInteger("number") == null) {
                        throw ProblemException.notFound("ritual " + ritual + " has no step " + step);
                    }
                    String stepStatus = row.getString("step_status");
                    return new Snapshot(ritual, RitualStatus.valueOf(row.getString("status")),
                            row.getInteger("current_step"), row.getInteger("steps_total"),
                            List.of(row.getArrayOfStrings("participants")),
                            row.getInteger("number") == null ? 0 : row.getInteger("number"),
                            stepStatus == null ? null : StepStatus.valueOf(stepStatus),
                            row.getInteger("attempt") == null ? 0 : row.getInteger("attempt"), row.getString("agent_name"),
                            row.getUUID("reserved_for"), row.getOffsetDateTime("ready_at"), row.getString("error"));
                });
    }
}

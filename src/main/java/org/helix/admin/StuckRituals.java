package org.helix.admin;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;
import org.helix.rituals.RitualStatus;
import org.helix.rituals.StepStatus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/** Live rituals that have not progressed for a while, each with the reasons an operator can act on. */
@ApplicationScoped
public class StuckRituals {

    /** How close a deadline must be to be worth a warning. */
    static final Duration DEADLINE_NEAR = Duration.ofSeconds(60);

    public record Reason(String code, String detail) {
    }

    public record Stuck(UUID ritualId, RitualStatus status, int currentStep, StepStatus stepStatus, String agent,
                        int attempt, OffsetDateTime lastProgressAt, OffsetDateTime deadlineAt, List<Reason> reasons) {
    }

    private final Db db;
    private final Clock clock;

    public StuckRituals(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Uni<List<Stuck>> find(int noProgressSeconds, int limit) {
        Instant now = clock.instant();
        return db.query("""
                        select r.id, r.status, r.current_step, r.last_progress_at, r.deadline_at, r.participants,
                               r.step_timeout_seconds, r.failure_reason, s.status as step_status, s.ready_at,
                               s.lease_expires_at, s.heartbeat_due_at, s.error, s.attempt, s.agent_name,
                               (select count(*) from agent a where a.name = any (r.participants) and a.status <> 'OFFLINE')
                                   as participants_alive,
                               (select count(*) from agent a where a.status <> 'OFFLINE') as agents_alive
                        from ritual r join step s on s.ritual_id = r.id and s.number = r.current_step
                        where r.status in (%s)
                          and r.last_progress_at < $1::timestamptz - $2::bigint * interval '1 second'
                        order by r.last_progress_at limit $3""".formatted(RitualStatus.sql(RitualStatus.LIVE)),
                        Tuple.of(ts(now), (long) noProgressSeconds, (long) limit))
                .map(rows -> {
                    List<Stuck> stuck = new ArrayList<>();
                    for (Row row : rows) {
                        Current current = new Current(RitualStatus.valueOf(row.getString("status")),
                                row.getInteger("current_step"), StepStatus.valueOf(row.getString("step_status")), row.getInteger("attempt"),
                                row.getString("agent_name"), instant(row, "ready_at"), instant(row, "lease_expires_at"),
                                instant(row, "heartbeat_due_at"),
                                row.getInteger("step_timeout_seconds"), row.getString("failure_reason"),
                                row.getString("error"), List.of(row.getArrayOfStrings("participants")),
                                row.getLong("participants_alive"), row.getLong("agents_alive"), instant(row, "deadline_at"));
                        stuck.add(new Stuck(row.getUUID("id"), current.status(), current.step(), current.stepStatus(),
                                current.agent(), current.attempt(), row.getOffsetDateTime("last_progress_at"),
                                row.getOffsetDateTime("deadline_at"), reasons(current, now)));
                    }
                    return stuck;
                });
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime at = row.getOffsetDateTime(column);
        return at == null ? null : at.toInstant();
    }

    /** A live ritual that made no progress for a while, and its current step, as the reasons need them. */
    record Current(RitualStatus status, int step, StepStatus stepStatus, int attempt, String agent, Instant readyAt,
                   Instant leaseExpiresAt, Instant heartbeatDueAt, int stepTimeoutSeconds, String failureReason, String error,
                   List<String> participants, long participantsAlive, long agentsAlive, Instant deadlineAt) {
    }

    /** Why it is stuck, in the words an operator acts on (at least one reason: no_progress). */
    static List<Reason> reasons(Current c, Instant now) {
        List<Reason> reasons = new ArrayList<>();
        int step = c.step();
        if (c.status() == RitualStatus.STALLED) {
            reasons.add(new Reason("attempts_exhausted", c.failureReason()
                    + (c.error() == null ? "" : " (last error: " + c.error() + ")")));
        }
        if (c.stepStatus() == StepStatus.LEASED && c.heartbeatDueAt() != null && c.heartbeatDueAt().isBefore(now)) {
            reasons.add(new Reason("heartbeat_missed", "the lease of step " + step + " held by " + c.agent()
                    + " missed its heartbeat, due at " + ts(c.heartbeatDueAt())));
        } else if (c.stepStatus() == StepStatus.LEASED && c.leaseExpiresAt().isBefore(now)) {
            reasons.add(new Reason("lease_expired", "the lease of step " + step + " held by " + c.agent()
                    + " expired at " + ts(c.leaseExpiresAt())));
        }
        if (c.stepStatus() == StepStatus.READY && c.attempt() > 0
                && c.readyAt().plusSeconds(c.stepTimeoutSeconds()).isBefore(now)) {
            reasons.add(new Reason("expired_lease_not_taken", "step " + step + " lost attempt " + c.attempt()
                    + " (" + c.error() + ") and nobody has leased it since " + ts(c.readyAt())));
        }
        if (!c.participants().isEmpty() && c.participantsAlive() == 0) {
            reasons.add(new Reason("participants_offline", "all participants are offline: "
                    + String.join(", ", c.participants())));
        } else if (c.participants().isEmpty() && c.agentsAlive() == 0) {
            reasons.add(new Reason("no_agent_online", "no agent is online"));
        }
        Duration left = Duration.between(now, c.deadlineAt());
        if (left.compareTo(DEADLINE_NEAR) < 0) {
            reasons.add(new Reason("deadline_near", "the deadline is " + Math.max(0, left.toSeconds()) + " s away"));
        }
        if (reasons.isEmpty()) {
            reasons.add(new Reason("no_progress", "step " + step + " is " + c.stepStatus()
                    + (c.agent() == null ? "" : " (" + c.agent() + ")")));
        }
        return reasons;
    }
}

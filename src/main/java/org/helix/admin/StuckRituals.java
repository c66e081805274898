package org.helix.admin;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;
import org.helix.rituals.RitualStatus;

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

    public record Stuck(UUID ritualId, RitualStatus status, int currentStep, String stepStatus, String agent,
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
                               s.lease_expires_at, s.error, s.attempt, s.agent_name,
                               (select count(*) from agent a where a.name = any (r.participants) and a.status <> 'OFFLINE')
                                   as participants_alive,
                               (select count(*) from agent a where a.status <> 'OFFLINE') as agents_alive
                        from ritual r join step s on s.ritual_id = r.id and s.number = r.current_step
                        where r.status in ('PENDING', 'RUNNING', 'STALLED')
                          and r.last_progress_at < $1::timestamptz - $2::bigint * interval '1 second'
                        order by r.last_progress_at limit $3""",
                        Tuple.of(ts(now), (long) noProgressSeconds, (long) limit))
                .map(rows -> {
                    List<Stuck> stuck = new ArrayList<>();
                    for (Row row : rows) {
                        stuck.add(new Stuck(row.getUUID("id"), RitualStatus.valueOf(row.getString("status")),
                                row.getInteger("current_step"), row.getString("step_status"), row.getString("agent_name"),
                                row.getInteger("attempt"), row.getOffsetDateTime("last_progress_at"),
                                row.getOffsetDateTime("deadline_at"), reasons(row, now)));
                    }
                    return stuck;
                });
    }

    private static List<Reason> reasons(Row row, Instant now) {
        List<Reason> reasons = new ArrayList<>();
        int step = row.getInteger("current_step");
        String stepStatus = row.getString("step_status");
        if ("STALLED".equals(row.getString("status"))) {
            reasons.add(new Reason("attempts_exhausted", row.getString("failure_reason")
                    + (row.getString("error") == null ? "" : " (last error: " + row.getString("error") + ")")));
        }
        if ("LEASED".equals(stepStatus) && row.getOffsetDateTime("lease_expires_at").toInstant().isBefore(now)) {
            reasons.add(new Reason("lease_expired", "the lease of step " + step + " held by "
                    + row.getString("agent_name") + " expired at " + row.getOffsetDateTime("lease_expires_at")));
        }
        if ("READY".equals(stepStatus) && row.getInteger("attempt") > 0 && row.getOffsetDateTime("ready_at").toInstant()
                .plusSeconds(row.getInteger("step_timeout_seconds")).isBefore(now)) {
            reasons.add(new Reason("expired_lease_not_taken", "step " + step + " lost attempt " + row.getInteger("attempt")
                    + " (" + row.getString("error") + ") and nobody has leased it since " + row.getOffsetDateTime("ready_at")));
        }
        String[] participants = row.getArrayOfStrings("participants");
        if (participants.length > 0 && row.getLong("participants_alive") == 0) {
            reasons.add(new Reason("participants_offline", "all participants are offline: " + String.join(", ", participants)));
        } else if (participants.length == 0 && row.getLong("agents_alive") == 0) {
            reasons.add(new Reason("no_agent_online", "no agent is online"));
        }
        Duration left = Duration.between(now, row.getOffsetDateTime("deadline_at").toInstant());
        if (left.compareTo(DEADLINE_NEAR) < 0) {
            reasons.add(new Reason("deadline_near", "the deadline is " + Math.max(0, left.toSeconds()) + " s away"));
        }
        if (reasons.isEmpty()) {
            reasons.add(new Reason("no_progress", "step " + step + " is " + stepStatus
                    + (row.getString("agent_name") == null ? "" : " (" + row.getString("agent_name") + ")")));
        }
        return reasons;
    }
}

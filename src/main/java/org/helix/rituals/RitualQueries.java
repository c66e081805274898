package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/** What clients and the state machine read about rituals and steps; rows become records in {@link RitualRows}. */
@ApplicationScoped
public class RitualQueries {

    private final Db db;

    public RitualQueries(Db db) {
        this.db = db;
    }

    /** A ritual and its current step (null for an unknown ritual; the step is null once it has ended). */
    record WithCurrentStep(RitualRows.RitualRow ritual, RitualRows.StepRow step) {
    }

    Uni<WithCurrentStep> withCurrentStep(UUID id) {
        return db.query("""
                        select r.*, s.ritual_id, s.number, s.status as step_status, s.attempt, s.ready_at, s.agent_id,
                               s.agent_name, s.lease_token, s.leased_at, s.lease_expires_at, s.completed_at, s.error,
                               s.output, s.avoid_agent_id, s.reserved_for, s.progress, s.heartbeat_due_at
                        from ritual r left join step s on s.ritual_id = r.id and s.number = r.current_step
                            and r.status in (%s)
                        where r.id = $1""".formatted(RitualStatus.sql(RitualStatus.LIVE)), Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new WithCurrentStep(RitualRows.ritual(row),
                            row.getUUID("ritual_id") == null ? null : RitualRows.step(row, "step_status"));
                });
    }

    /** A step with the status of its ritual, to explain a refused completion (null: no such step). */
    record LeaseState(RitualRows.StepRow step, RitualStatus ritualStatus) {
    }

    Uni<LeaseState> leaseState(UUID ritualId, int step) {
        return db.query("""
                        select s.*, r.status as ritual_status from step s join ritual r on r.id = s.ritual_id
                        where s.ritual_id = $1 and s.number = $2""", Tuple.of(ritualId, step))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new LeaseState(RitualRows.step(row), RitualStatus.valueOf(row.getString("ritual_status")));
                });
    }

    /** Newest first, after the cursor, narrowed by the filter; at most {@code limit} rows. */
    Uni<List<RitualRows.RitualRow>> list(RitualFilter filter, int limit, Cursor after) {
        // conditions only for the filters given, so each variant gets a plan that uses its index
        Tuple args = Tuple.tuple();
        List<String> where = new ArrayList<>(filter.conditions(args));
        if (after != null) {
            args.addValue(after.createdAt()).addValue(after.id());
            where.add("(r.created_at, r.id) < ($" + (args.size() - 1) + ", $" + args.size() + ")");
        }
        args.addValue((long) limit);
        String sql = "select r.* from ritual r" + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by r.created_at desc, r.id desc limit $" + args.size();
        return db.query(sql, args).map(rows -> {
            List<RitualRows.RitualRow> rituals = new ArrayList<>(rows.size());
            rows.forEach(row -> rituals.add(RitualRows.ritual(row)));
            return rituals;
        });
    }

    /** Every step of a ritual in order; null for an unknown ritual. */
    Uni<List<RitualRows.StepRow>> steps(UUID id) {
        return db.query("""
                        select s.* from ritual r left join step s on s.ritual_id = r.id
                        where r.id = $1 order by s.number""", Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    List<RitualRows.StepRow> steps = new ArrayList<>(rows.size());
                    rows.forEach(row -> steps.add(RitualRows.step(row)));
                    return steps;
                });
    }

    public Uni<Boolean> exists(UUID id) {
        return db.query("select 1 from ritual where id = $1", Tuple.of(id)).map(rows -> rows.size() > 0);
    }

    /**
     * How many rituals are in each status (every status present, zero if none): from the counts the database keeps
     * (V4__retention_and_counts.sql; folded by org.helix.census.RitualCensus), so the cost does not grow with the ritual table.
     */
    public Uni<Map<String, Long>> counts() {
        return db.query("""
                select status, sum(n)::bigint as n
                from (select status, n from ritual_count union all select status, n from ritual_count_delta) c
                group by status""", Tuple.tuple()).map(rows -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (RitualStatus status : RitualStatus.values()) {
                counts.put(status.name().toLowerCase(), 0L);
            }
            for (Row row : rows) {
                counts.put(row.getString("status").toLowerCase(), row.getLong("n"));
            }
            return counts;
        });
    }

    /**
     * The original answer to a start with this Idempotency-Key, if it was given within the window; a key past the
     * window is forgotten here, so that it can be used again.
     */
    record Replay(String requestHash, UUID ritualId, List<String> participants, java.time.Instant createdAt,
                  java.time.Instant deadlineAt, Integer expectedSeconds) {
    }

    Uni<Replay> replay(String principal, String key, java.time.Instant horizon) {
        return db.query("""
                        with expired as (
                            delete from idempotency_key where principal = $1 and key = $2 and created_at < $3
                        )
                        select k.request_hash, r.id, r.participants, r.created_at, r.deadline_at, r.expected_seconds
                        from idempotency_key k join ritual r on r.id = k.ritual_id
                        where k.principal = $1 and k.key = $2 and k.created_at >= $3""",
                        Tuple.of(principal, key, ts(horizon)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new Replay(row.getString("request_hash"), row.getUUID("id"), RitualRows.strings(row, "participants"),
                            row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("deadline_at").toInstant(),
                            row.getInteger("expected_seconds"));
                });
    }
}

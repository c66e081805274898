package org.helix.ucf;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventLog;
import org.helix.platform.Db;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/** The field: one row that only completed rituals move, and its history. */
@ApplicationScoped
public class UcfService {

    public record Reading(Ucf field, OffsetDateTime updatedAt) {
    }

    public record Change(Ucf before, Ucf after) {
    }

    private final Db db;
    private final EventLog events;
    private final Clock clock;

    public UcfService(Db db, EventLog events, Clock clock) {
        this.db = db;
        this.events = events;
        this.clock = clock;
    }

    public Uni<Reading> current() {
        return db.guarded(() -> current(db.pool()));
    }

    /** The field as the caller's transaction (or the pool) sees it. */
    public Uni<Reading> current(SqlClient client) {
        return client.preparedQuery("select * from ucf_state where id = 1").execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Reading(Ucf.from(row), row.getOffsetDateTime("updated_at"));
                });
    }

    /**
     * Applies a completed ritual's effect inside the caller's transaction (the one that marks the ritual
     * COMPLETED), records history and emits an alert for every threshold the change crosses.
     */
    public Uni<Change> applyRitual(SqlClient tx, UUID ritualId, int completedSteps, Instant now) {
        return tx.preparedQuery("select * from ucf_state where id = 1 for update").execute()
                .flatMap(rows -> {
                    Ucf before = Ucf.from(rows.iterator().next());
                    Ucf after = before.afterRitual(completedSteps);
                    Tuple values = Tuple.of(after.harmony(), after.resilience(), after.prana(), after.drishti(),
                            after.klesha(), after.zoom()).addValue(ts(now)).addValue(ritualId);
                    return tx.preparedQuery("""
                                    with upd as (
                                        update ucf_state set harmony = $1, resilience = $2, prana = $3, drishti = $4,
                                            klesha = $5, zoom = $6, updated_at = $7 where id = 1
                                    )
                                    insert into ucf_history (recorded_at, harmony, resilience, prana, drishti, klesha, zoom, ritual_id)
                                    values ($7, $1, $2, $3, $4, $5, $6, $8)
                                    """).execute(values)
                            .flatMap(ignored -> alerts(tx, before, after, ritualId, now))
                            .replaceWith(new Change(before, after));
                });
    }

    private Uni<Void> alerts(SqlClient tx, Ucf before, Ucf after, UUID ritualId, Instant now) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (String metric : List.of("harmony", "klesha", "resilience")) {
            boolean was = before.alerts().contains(metric);
            boolean is = after.alerts().contains(metric);
            if (was != is) {
                EventLog.Alert alert = new EventLog.Alert(metric, after.metric(metric), is, ritualId);
                chain = chain.flatMap(v -> events.append(tx, null, now, alert));
            }
        }
        return chain;
    }

    /** The field as it stood at the end of one interval of a history. */
    public record Bucket(OffsetDateTime end, Ucf field) {
    }

    /**
     * The field sampled at the end of each interval over the last {@code span}: the field only changes when a
     * ritual completes, so each point carries the latest value at or before its time. One index probe per point
     * (at most UcfResource's 2,000), so the cost does not grow with how many rituals completed in the span.
     */
    public Uni<List<Bucket>> history(Duration span, Duration step) {
        Instant end = clock.instant();
        Instant first = end.minus(span).plus(step);
        if (first.isAfter(end)) {
            return Uni.createFrom().item(List.of());
        }
        return db.query("""
                        select b.at as bucket_end, h.*
                        from generate_series($1::timestamptz, $2::timestamptz, $3::bigint * interval '1 microsecond') b(at)
                        cross join lateral (select * from ucf_history where recorded_at <= b.at
                                            order by recorded_at desc, id desc limit 1) h
                        order by b.at""", Tuple.of(ts(first), ts(end), step.toNanos() / 1_000))
                .map(rows -> {
                    List<Bucket> buckets = new ArrayList<>();
                    for (Row row : rows) {
                        buckets.add(new Bucket(row.getOffsetDateTime("bucket_end"), Ucf.from(row)));
                    }
                    return buckets;
                });
    }
}

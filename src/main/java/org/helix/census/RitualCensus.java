package org.helix.census;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.helix.platform.Db;
import org.helix.platform.Metrics;
import org.helix.platform.Periodic;
import org.helix.rituals.RitualService;
import org.helix.rituals.RitualStatus;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

import static org.helix.platform.Time.ts;

/**
 * Keeps the ritual counts cheap and the operators' gauges current. The database appends a delta for every change
 * of a ritual's status (V4__retention_and_counts.sql); this folds the deltas into {@code ritual_count} so that what a reader sums
 * stays a handful of rows however long the service runs, then sets {@code helix_rituals{status}} and
 * {@code helix_rituals_stuck} from them.
 */
@ApplicationScoped
public class RitualCensus {

    /** One replica folds at a time (the others skip that round); readers are exact either way. */
    private static final long FOLD_LOCK = 0x48454c495810L;
    /** The default of GET /admin/rituals/stuck's no_progress_seconds: what the runbook calls stuck. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(60);
    static final Duration INTERVAL = Duration.ofSeconds(5);

    private final Db db;
    private final RitualService rituals;
    private final Metrics metrics;
    private final Clock clock;

    public RitualCensus(Db db, RitualService rituals, Metrics metrics, Clock clock) {
        this.db = db;
        this.rituals = rituals;
        this.metrics = metrics;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event, Periodic periodic) {
        for (RitualStatus status : RitualStatus.values()) {
            rituals(status.name(), 0);
        }
        stuck(0);
        // gauges, not promises: like the agent census they need not run with every sweep
        periodic.every(INTERVAL, "ritual census", this::census);
    }

    Uni<Void> census() {
        return fold()
                .flatMap(v -> rituals.counts())
                .invoke(counts -> counts.forEach((status, n) -> rituals(status.toUpperCase(Locale.ROOT), n)))
                .flatMap(v -> db.query("""
                                select count(*) as n from ritual
                                where status in (%s) and last_progress_at < $1""".formatted(
                                RitualStatus.sql(RitualStatus.LIVE)),
                        Tuple.of(ts(clock.instant().minus(STUCK_AFTER)))))
                .invoke(rows -> stuck(rows.iterator().next().getLong("n")))
                .replaceWithVoid();
    }

    /** Moves the deltas appended since the last fold into the totals, in one statement (readers see one or the other). */
    public Uni<Void> fold() {
        return db.query("""
                with folded as (
                    delete from ritual_count_delta where (select pg_try_advisory_xact_lock($1)) returning status, n
                )
                insert into ritual_count (status, n)
                select status, sum(n) from folded group by status order by status
                on conflict (status) do update set n = ritual_count.n + excluded.n""", Tuple.of(FOLD_LOCK))
                .replaceWithVoid();
    }

    private void rituals(String status, long n) {
        metrics.set("helix.rituals", "Rituals by status, in the whole cluster", "status", status, n);
    }

    private void stuck(long n) {
        metrics.set("helix.rituals.stuck", "Live rituals (PENDING, RUNNING, STALLED) without progress for "
                + STUCK_AFTER.toSeconds() + " s", null, null, n);
    }
}

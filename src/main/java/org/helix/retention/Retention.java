package org.helix.retention;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.Metrics;
import org.helix.platform.Periodic;
import org.helix.platform.SweepsDisabled;
import org.helix.rituals.RitualStatus;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.helix.platform.Time.ts;

/**
 * Deletes history past its retention ({@code helix.retention.*}): finished rituals with their steps, events,
 * revocations and idempotency keys; agents long OFFLINE; old audit entries and UCF history. Live and STALLED
 * rituals are never candidates.
 *
 * <p>Deletes rather than time-partitioned tables: a ritual's age is known only when it finishes, and a finished
 * ritual can be resumed (FAILED, TIMED_OUT), so no partition of {@code ritual} or {@code step} ever holds only
 * deletable rows; partitioning them would also put the partition key into every key and foreign key the hot path
 * uses. The purge instead deletes small batches, oldest first, through partial indexes (V4__retention_and_counts.sql).
 *
 * <p>Safe on every replica at once, and cheap for the hot path: a batch locks its rows with SKIP LOCKED (a row
 * some transition holds is left for a later pass), one batch of a kind runs at a time in the whole cluster (a
 * transaction-scoped advisory lock: another replica finding it taken leaves the kind to the holder), and after each
 * batch the purge pauses as long as the batch took, so it never holds more than half of one connection.
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);

    /** A ritual has 108 steps by default, at most 1,008: 50 keeps a batch a transaction of milliseconds. */
    static final int RITUALS_PER_BATCH = 50;
    static final int ROWS_PER_BATCH = 1_000;

    private static final String FINISHED = "(" + RitualStatus.sql(RitualStatus.ENDED) + ")";

    /**
     * An agent a live ritual still needs: named as a participant, or holding the reservation of an operator's
     * reassign (always the ritual's current step). Deleting it would leave that ritual waiting for an id no
     * registration can bring back.
     */
    private static final String AGENT_STILL_NEEDED = """
            exists (select 1 from ritual r join step s on s.ritual_id = r.id and s.number = r.current_step
                    where r.status in (%s)
                      and (a.name = any (r.participants) or s.reserved_for = a.id))""".formatted(
            RitualStatus.sql(RitualStatus.LIVE));

    /** The newest change before the cutoff: the value a history starting at the cutoff begins with. */
    private static final String UCF_BASELINE =
            "(select id from ucf_history where recorded_at < $1 order by recorded_at desc, id desc limit 1)";

    /**
     * One kind of history: the statement deleting one batch ($1 cutoff, $2 batch size, $3 advisory lock key),
     * answering one row whose first column counts the kind itself and the others what went with it.
     */
    record Kind(String name, String sql, int batch, long lock, Function<HelixConfig.Retention, Duration> retention) {
    }

    static final List<Kind> KINDS = List.of(
            new Kind("agents", """
                    with doomed as (
                        select a.id from agent a
                        where (select pg_try_advisory_xact_lock($3)) and a.status = 'OFFLINE' and a.status_changed_at < $1
                          and not %s
                        order by a.status_changed_at limit $2
                        for update of a skip locked
                    ),
                    revocations as (delete from lease_revocation where agent_id in (select id from doomed) returning 1),
                    agents as (delete from agent where id in (select id from doomed) returning 1)
                    select (select count(*) from agents) as agents, (select count(*) from revocations) as revocations"""
                    .formatted(AGENT_STILL_NEEDED), ROWS_PER_BATCH, 0x48454c495801L, HelixConfig.Retention::offlineAgents),
            new Kind("audit", """
                    with doomed as (
                        select id from audit_entry where (select pg_try_advisory_xact_lock($3)) and at < $1
                        order by at limit $2
                        for update skip locked
                    ),
                    gone as (delete from audit_entry where id in (select id from doomed) returning 1)
                    select count(*) as audit from gone""", ROWS_PER_BATCH, 0x48454c495802L, HelixConfig.Retention::audit),
            new Kind("ucf_history", """
                    with doomed as (
                        select id from ucf_history
                        where (select pg_try_advisory_xact_lock($3)) and recorded_at < $1 and id <> %s
                        order by recorded_at limit $2
                        for update skip locked
                    ),
                    gone as (delete from ucf_history where id in (select id from doomed) returning 1)
                    select count(*) as ucf_history from gone"""
                    .formatted(UCF_BASELINE), ROWS_PER_BATCH, 0x48454c495803L, HelixConfig.Retention::ucfHistory),
            // last: after months without a purge this one has the longest way to go
            new Kind("rituals", """
                    with doomed as (
                        select id from ritual
                        where (select pg_try_advisory_xact_lock($3)) and status in %s and finished_at < $1
                        order by finished_at limit $2
                        for update skip locked
                    ),
                    steps as (delete from step where ritual_id in (select id from doomed) returning 1),
                    events as (delete from event where ritual_id in (select id from doomed) returning 1),
                    revocations as (delete from lease_revocation where ritual_id in (select id from doomed) returning 1),
                    keys as (delete from idempotency_key where ritual_id in (select id from doomed) returning 1),
                    rituals as (delete from ritual where id in (select id from doomed) returning 1)
                    select (select count(*) from rituals) as rituals, (select count(*) from steps) as steps,
                           (select count(*) from events) as events, (select count(*) from revocations) as revocations,
                           (select count(*) from keys) as idempotency_keys"""
                    .formatted(FINISHED), RITUALS_PER_BATCH, 0x48454c495804L, HelixConfig.Retention::finishedRituals));

    /** Per kind, how far past its retention the oldest row still there is, in seconds ($1..$4: the kinds' cutoffs). */
    private static final String OVERDUE = """
            select extract(epoch from $1::timestamptz - (select min(a.status_changed_at) from agent a
                       where a.status = 'OFFLINE' and a.status_changed_at < $1 and not %s))::float8 as agents,
                   extract(epoch from $2::timestamptz - (select min(at) from audit_entry where at < $2))::float8 as audit,
                   extract(epoch from $3::timestamptz - (select min(recorded_at) from ucf_history
                       where recorded_at < $3 and id <> %s))::float8 as ucf_history,
                   extract(epoch from $4::timestamptz - (select min(finished_at) from ritual
                       where status in %s and finished_at < $4))::float8 as rituals"""
            .formatted(AGENT_STILL_NEEDED, UCF_BASELINE.replace("$1", "$3"), FINISHED);

    /** Row kinds counted by helix_retention_purged_total. */
    static final List<String> PURGED = List.of("rituals", "steps", "events", "revocations", "idempotency_keys", "agents",
            "audit", "ucf_history");

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final Metrics metrics;
    private final Vertx vertx;
    private final SweepsDisabled disabled;
    private volatile boolean stopping;

    public Retention(Db db, Clock clock, HelixConfig config, Metrics metrics, Vertx vertx, SweepsDisabled disabled) {
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
        this.vertx = vertx;
        this.disabled = disabled;
    }

    void start(@Observes StartupEvent event, Periodic periodic) {
        PURGED.forEach(kind -> metrics.purged(kind, 0));
        KINDS.forEach(kind -> overdue(kind.name(), 0));
        periodic.every(config.retention().interval(), "retention purge", this::purge);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /** One pass: every kind until it is caught up. Answers the rows deleted, by kind. */
    public Uni<Map<String, Long>> purge() {
        Instant now = clock.instant();
        Map<String, Long> purged = new LinkedHashMap<>();
        // measured first as well: a pass working through a long backlog shows how far behind it started
        Uni<Void> pass = measureOverdue(now)
                .onFailure().invoke(e -> LOG.warnf("retention overdue: %s", e.getMessage())).onFailure().recoverWithNull();
        for (Kind kind : KINDS) {
            Instant cutoff = now.minus(kind.retention().apply(config.retention()));
            pass = pass.flatMap(v -> drain(kind, cutoff, purged)
                    .onFailure().invoke(e -> LOG.warnf("retention of %s: %s", kind.name(), e.getMessage()))
                    .onFailure().recoverWithNull());
        }
        return pass.flatMap(v -> measureOverdue(clock.instant())).map(v -> {
            if (purged.values().stream().anyMatch(n -> n > 0)) {
                LOG.infof("retention purged %s", purged);
            }
            return purged;
        });
    }

    private record Batch(long count, Duration took) {
    }

    /** Batches of one kind until one comes back short (caught up, or another replica holds the kind). */
    private Uni<Void> drain(Kind kind, Instant cutoff, Map<String, Long> purged) {
        return Uni.createFrom().deferred(() -> batch(kind, cutoff, purged))
                .call(batch -> full(kind, batch) ? pause(batch.took()) : Uni.createFrom().voidItem())
                .repeat().whilst(batch -> full(kind, batch))
                .onItem().ignoreAsUni();
    }

    private boolean full(Kind kind, Batch batch) {
        return batch.count() == kind.batch() && !stopping && !disabled.test(null);
    }

    private Uni<Batch> batch(Kind kind, Instant cutoff, Map<String, Long> purged) {
        long started = System.nanoTime();
        return db.query(kind.sql(), Tuple.of(ts(cutoff), (long) kind.batch(), kind.lock())).map(rows -> {
            Row row = rows.iterator().next();
            for (int i = 0; i < row.size(); i++) {
                long n = row.getLong(i);
                metrics.purged(row.getColumnName(i), n);
                purged.merge(row.getColumnName(i), n, Long::sum);
            }
            return new Batch(row.getLong(0), Duration.ofNanos(System.nanoTime() - started));
        });
    }

    /** A pause as long as the batch took: the purge uses at most half of one connection's time. */
    private Uni<Void> pause(Duration took) {
        return Uni.createFrom().emitter(e -> vertx.setTimer(Math.max(1, took.toMillis()), t -> e.complete(null)));
    }

    private Uni<Void> measureOverdue(Instant now) {
        HelixConfig.Retention r = config.retention();
        return db.query(OVERDUE, Tuple.of(ts(now.minus(r.offlineAgents())), ts(now.minus(r.audit())),
                        ts(now.minus(r.ucfHistory())), ts(now.minus(r.finishedRituals()))))
                .invoke(rows -> {
                    Row row = rows.iterator().next();
                    for (int i = 0; i < row.size(); i++) {
                        Double seconds = row.getDouble(i);
                        overdue(row.getColumnName(i), seconds == null ? 0 : Math.round(seconds));
                    }
                })
                .replaceWithVoid();
    }

    private void overdue(String kind, long seconds) {
        metrics.set("helix.retention.overdue.seconds",
                "How far past its retention the oldest row of a kind still is (0: the purge is caught up)",
                "kind", kind, seconds);
    }
}

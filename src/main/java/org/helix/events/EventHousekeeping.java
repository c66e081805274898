package org.helix.events;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.Metrics;
import org.helix.platform.SweepsDisabled;
import org.helix.ucf.UcfService;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;

import static org.helix.platform.Time.ts;

/**
 * The periodic {@code ucf_update} (only while someone here listens) and the retention of the event log.
 */
@ApplicationScoped
public class EventHousekeeping {

    private static final Logger LOG = Logger.getLogger(EventHousekeeping.class);
    /** Replicas with listeners all tick; the advisory lock and the recency check let one of them write. */
    private static final long UCF_UPDATE_LOCK = 0x48454c4958L;

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final EventHub hub;

    private final Metrics metrics;
    private final EventLog events;
    private final UcfService ucf;

    public EventHousekeeping(Db db, Clock clock, HelixConfig config, EventHub hub, Metrics metrics, EventLog events,
                             UcfService ucf) {
        this.events = events;
        this.ucf = ucf;
        this.metrics = metrics;
        metrics.gauge("helix.event.streams", "Live event streams (WebSocket and SSE) on this replica", hub::subscribers);
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.hub = hub;
    }

    @Scheduled(every = "${helix.events.ucf-update-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = SweepsDisabled.class)
    Uni<Void> ucfUpdate() {
        if (hub.subscribers() == 0) {
            return Uni.createFrom().voidItem();
        }
        Instant now = clock.instant();
        long recentMillis = config.events().ucfUpdateInterval().toMillis() * 9 / 10;
        return db.inTransaction(tx -> tx.preparedQuery("""
                                select pg_try_advisory_xact_lock($1) and not exists (
                                    select 1 from event where type = 'ucf_update'
                                    and created_at > $2::timestamptz - $3::bigint * interval '1 millisecond') as due""")
                        .execute(Tuple.of(UCF_UPDATE_LOCK, ts(now), recentMillis))
                        .flatMap(rows -> !rows.iterator().next().getBoolean("due") ? Uni.createFrom().item(false)
                                : ucf.current(tx).flatMap(reading -> events.append(tx, null, now,
                                        new EventLog.UcfUpdate(reading.field().metrics(),
                                                reading.field().phase().name(), reading.updatedAt().toInstant())))
                                .replaceWith(true)))
                .invoke(written -> {
                    if (written) {
                        hub.poke();
                    }
                })
                .onFailure().invoke(e -> LOG.debugf("ucf_update: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    @Scheduled(every = "60s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = SweepsDisabled.class)
    Uni<Void> retention() {
        return trim(0).flatMap(trimmed -> db.query(
                        "select greatest(reltuples, 0)::bigint as n from pg_class where relname = 'event'", Tuple.tuple()))
                .invoke(rows -> metrics.set("helix.events.retained", "Events kept for replay (estimate)", null, null,
                        rows.iterator().next().getLong("n")))
                .onFailure().invoke(e -> LOG.warnf("event retention: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes events past retention, 10,000 at a time, at most ten rounds a minute. */
    public Uni<Integer> trim(int rounds) {
        return db.query("""
                        delete from event where id in (
                            select id from event where created_at < $1 order by id limit 10000 for update skip locked)""",
                        Tuple.of(ts(clock.instant().minus(config.events().retention()))))
                .flatMap(rows -> rows.rowCount() == 10_000 && rounds < 9 ? trim(rounds + 1)
                        : Uni.createFrom().item(rows.rowCount()));
    }
}

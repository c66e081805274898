package org.helix.platform;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Signals between replicas over PostgreSQL LISTEN/NOTIFY: "a step became ready", "events were
 * committed", "this session or credential is gone". One listening connection per replica, re-established
 * after a database restart (listeners get {@link #RECONNECTED} so they can catch up on what they missed).
 * Replicas announce themselves in the {@code replica} table; a replica alone sends nothing.
 */
@ApplicationScoped
public class ClusterSignals {

    public static final String RECONNECTED = "reconnected";
    private static final Logger LOG = Logger.getLogger(ClusterSignals.class);
    private static final String CHANNEL = "helix";

    private final UUID replicaId = UUID.randomUUID();
    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> coalescing = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final DbConnection connection;
    private volatile PgSubscriber subscriber;
    private volatile boolean peers;
    private volatile long subscribedAtNanos = Long.MIN_VALUE;

    public ClusterSignals(Vertx vertx, Db db, Clock clock, HelixConfig config, DbConnection connection) {
        this.vertx = vertx;
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.connection = connection;
    }

    public UUID replicaId() {
        return replicaId;
    }

    void start(@Observes StartupEvent ignored) {
        PgConnectOptions options = connection.options();
        // the subscriber re-connects and re-LISTENs by itself after a database restart; every (re)subscription
        // tells the listeners, who catch up on what they may have missed meanwhile
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 500L);
        subscriber.channel(CHANNEL)
                .subscribeHandler(v -> {
                    LOG.info("listening for cluster signals");
                    subscribedAtNanos = System.nanoTime();
                    dispatch(RECONNECTED, "");
                })
                .handler(this::received);
        connect();
    }

    private void connect() {
        subscriber.connect().onFailure(e -> {
            LOG.debugf("LISTEN connection failed: %s", e.getMessage());
            vertx.setTimer(500, t -> connect());
        });
    }

    void stop(@Observes ShutdownEvent ignored) {
        PgSubscriber s = subscriber;
        if (s != null) {
            s.closeHandler(null);
            s.close();
        }
    }

    public void on(String kind, Consumer<String> listener) {
        listeners.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** Tells the other replicas; nothing is sent while this replica is alone. */
    public void publish(String kind, String argument) {
        if (!peers) {
            return;
        }
        send(kind, argument);
    }

    /**
     * Like {@link #publish} but at most one signal of this kind per few milliseconds: under load thousands of
     * "ready" or "events" signals a second collapse into a few hundred.
     */
    public void publishCoalesced(String kind) {
        if (!peers) {
            return;
        }
        AtomicBoolean pending = coalescing.computeIfAbsent(kind, k -> new AtomicBoolean());
        if (pending.compareAndSet(false, true)) {
            vertx.setTimer(5, t -> {
                pending.set(false);
                send(kind, "");
            });
        }
    }

    private void send(String kind, String argument) {
        db.query("select pg_notify($1, $2)", Tuple.of(CHANNEL, replicaId + "|" + kind + "|" + argument))
                .subscribe().with(ok -> { }, e -> LOG.debugf("notify failed: %s", e.getMessage()));
    }

    private void received(String payload) {
        String[] parts = payload.split("\\|", 3);
        if (parts.length < 3 || parts[0].equals(replicaId.toString())) {
            return;
        }
        dispatch(parts[1], parts[2]);
    }

    private void dispatch(String kind, String argument) {
        for (Consumer<String> listener : listeners.getOrDefault(kind, List.of())) {
            try {
                listener.accept(argument);
            } catch (RuntimeException e) {
                LOG.warnf(e, "listener for %s failed", kind);
            }
        }
    }

    /** Called by the sweeper: announce this replica and learn whether others are alive. */
    public io.smallrye.mutiny.Uni<Void> announce() {
        var now = clock.instant().atOffset(ZoneOffset.UTC);
        var horizon = now.minus(config.sweep().interval().multipliedBy(5));
        return db.query("""
                        with me as (
                            insert into replica (id, started_at, last_seen_at) values ($1, $2, $2)
                            on conflict (id) do update set last_seen_at = $2
                        ), gone as (
                            delete from replica where last_seen_at < $3::timestamptz - interval '1 hour'
                        )
                        select count(*) as others from replica where id <> $1 and last_seen_at >= $3
                        """, Tuple.of(replicaId, now, horizon))
                .invoke(rows -> peers = rows.iterator().next().getLong("others") > 0)
                .replaceWithVoid();
    }

    /** Whether the LISTEN connection was (re-)established after {@code nanos} (System.nanoTime). */
    public boolean listeningSince(long nanos) {
        long at = subscribedAtNanos;
        return at != Long.MIN_VALUE && at - nanos > 0;
    }

    public boolean hasPeers() {
        return peers;
    }
}

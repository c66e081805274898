package org.helix.platform;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether the database is there, from a probe on a connection of its own (so a busy pool is not mistaken for
 * an outage), and whether the schema is migrated. While the database is away, calls fail at once with 503
 * instead of queueing for it; readiness reports it; the probe notices its return within one interval.
 *
 * <p>Migrations run here rather than at boot: a service started before its database stays up, not ready,
 * and migrates as soon as the database answers.
 */
@ApplicationScoped
public class DbHealth {

    private static final Logger LOG = Logger.getLogger(DbHealth.class);

    private final Vertx vertx;
    private final DbConnection options;
    private final HelixConfig config;
    private final Flyway flyway;
    private final Metrics metrics;
    private final List<Runnable> onMigrated = new CopyOnWriteArrayList<>();
    private volatile boolean up;
    private volatile boolean migrated;
    private volatile long downSinceNanos = System.nanoTime();
    private volatile Instant reachableSince = Instant.EPOCH;
    private final Clock clock;
    private SqlConnection probe;
    private volatile boolean probing;
    private int slowProbes;
    private long timer;

    /** How long the last probe took to answer (or to fail), for the helix_database_probe_seconds gauge. */
    private volatile double lastProbeSeconds;

    public DbHealth(Vertx vertx, DbConnection options, HelixConfig config, Flyway flyway, Clock clock,
                    Metrics metrics) {
        this.metrics = metrics;
        this.vertx = vertx;
        this.clock = clock;
        this.options = options;
        this.config = config;
        this.flyway = flyway;
    }

    void start(@Observes StartupEvent ignored) {
        metrics.gauge("helix.database.up", "1 while the database answers the probe and the schema is migrated, else 0",
                () -> available() ? 1 : 0);
        metrics.gauge("helix.database.probe.seconds", "Round trip of the last database probe (a failed one: until it failed)",
                () -> lastProbeSeconds);
        // the usual case, a database that is there, is settled before the first request; otherwise the probe
        // keeps trying in the background and the service stays up but not ready
        try {
            flyway.migrate();
            reachableSince = clock.instant();
            up = true;
            markMigrated();
        } catch (RuntimeException e) {
            LOG.warnf("database not ready at start-up (%s); will retry", e.getMessage());
        }
        timer = vertx.setPeriodic(config.db().probeInterval().toMillis(), t -> probe());
    }

    void stop(@Observes ShutdownEvent ignored) {
        vertx.cancelTimer(timer);
        if (probe != null) {
            probe.close();
        }
    }

    public boolean available() {
        return up && migrated;
    }

    public boolean up() {
        return up;
    }

    public boolean migrated() {
        return migrated;
    }

    /**
     * When this replica last saw the database come back (or first reached it): what happened before, such as a lease
     * expiring, happened while agents could not reach the service's state.
     */
    public Instant reachableSince() {
        return reachableSince;
    }

    /** When the database was last seen to go away (System.nanoTime). */
    public long downSinceNanos() {
        return downSinceNanos;
    }

    /** Runs once the schema is migrated (at once if it already is). */
    public synchronized void onMigrated(Runnable action) {
        if (migrated) {
            action.run();
        } else {
            onMigrated.add(action);
        }
    }

    private void probe() {
        if (probing) {
            return;
        }
        probing = true;
        long started = System.nanoTime();
        long guard = vertx.setTimer(config.db().timeout().toMillis(), t -> {
            lastProbeSeconds = (System.nanoTime() - started) / 1e9;
            failed(new IllegalStateException("probe timed out"));
        });
        (probe == null ? PgConnection.connect(vertx, options.options()).map(c -> (SqlConnection) c)
                : io.vertx.core.Future.succeededFuture(probe))
                .compose(connection -> {
                    probe = connection;
                    connection.closeHandler(v -> probe = null);
                    return connection.query("select 1").execute();
                })
                .onComplete(ar -> {
                    vertx.cancelTimer(guard);
                    lastProbeSeconds = (System.nanoTime() - started) / 1e9;
                    if (ar.succeeded()) {
                        succeeded();
                    } else {
                        failed(ar.cause());
                    }
                });
    }

    private void succeeded() {
        probing = false;
        slowProbes = 0;
        if (!up) {
            LOG.info("database reachable");
            reachableSince = clock.instant();
            up = true;
        }
        if (!migrated) {
            migrate();
        }
    }

    private synchronized void markMigrated() {
        LOG.info("schema migrated");
        migrated = true;
        onMigrated.forEach(Runnable::run);
        onMigrated.clear();
    }

    private void failed(Throwable cause) {
        if (!probing) {
            return; // the guard fired after the probe had already answered
        }
        probing = false;
        // a slow answer under load is not an outage: only a refused or broken connection, or three slow
        // probes in a row, take the service out of readiness
        if (cause.getMessage() != null && cause.getMessage().equals("probe timed out") && ++slowProbes < 3) {
            return;
        }
        slowProbes = 0;
        if (probe != null) {
            probe.close();
            probe = null;
        }
        if (up) {
            LOG.warnf("database unreachable: %s", cause.getMessage());
            downSinceNanos = System.nanoTime();
            up = false;
        }
    }

    private volatile boolean migrating;

    private void migrate() {
        if (migrating) {
            return;
        }
        migrating = true;
        vertx.<Void>executeBlocking(() -> {
            flyway.migrate();
            return null;
        }, false).onComplete(ar -> {
            migrating = false;
            if (ar.succeeded()) {
                markMigrated();
            } else {
                LOG.warnf("schema migration failed (retrying): %s", ar.cause().getMessage());
            }
        });
    }
}

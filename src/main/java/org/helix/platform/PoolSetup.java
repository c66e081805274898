package org.helix.platform;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Singleton;

import java.util.concurrent.TimeUnit;

/**
 * The pool's discipline beyond what Quarkus exposes: a bound on waiting for a connection (then the request
 * fails with 503 rather than hanging), a bounded wait queue, a short connect timeout so an unreachable
 * database is noticed at once, silent (half-open) connections closed after helix.db.dead-after, and a server-side
 * statement timeout equal to the call timeout, so a call we gave up on also stops holding its connection.
 */
@Singleton
public class PoolSetup implements PgPoolCreator {

    private final HelixConfig config;

    public PoolSetup(HelixConfig config) {
        this.config = config;
    }

    /** One database URL is configured (helix.db.*), so the pool connects to the first and only one. */
    @Override
    public Pool create(Input input) {
        HelixConfig.Db db = config.db();
        PoolOptions pool = input.poolOptions()
                .setConnectionTimeout((int) db.acquisitionTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxWaitQueueSize(db.maxWaitQueue());
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setConnectTimeout((int) db.connectTimeout().toMillis())
                    .setTcpKeepAlive(true)
                    // the hot-path statements are longer than the client's default 2 KiB limit for caching a
                    // prepared statement; uncached, each execution would be parsed and planned again (~1.5 ms)
                    .setCachePreparedStatements(true)
                    .setPreparedStatementCacheSqlLimit(16_384)
                    .addProperty("application_name", "helix-orchestrator")
                    .addProperty("statement_timeout", Long.toString(db.timeout().toMillis()))
                    // the hot-path statements are PK-driven CTEs that take longer to plan than to run; a
                    // cached generic plan is as good as a custom one for them
                    .addProperty("plan_cache_mode", "force_generic_plan");
            // keep-alive probes only start after the kernel's 2 h; silence is the faster sign of a dead peer
            options.setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setReadIdleTimeout((int) db.deadAfter().toMillis());
        }
        return PgBuilder.pool().with(pool).connectingTo(input.pgConnectOptionsList().get(0)).using(input.vertx()).build();
    }
}

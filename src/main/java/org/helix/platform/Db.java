package org.helix.platform;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Vert.x PostgreSQL pool with the service's discipline: every call is bounded by
 * {@code helix.db.timeout}, and failures that mean "the database is not there" are recognisable so
 * that callers answer 503 instead of 500.
 */
@ApplicationScoped
public class Db {

    private final Pool pool;
    private final Duration timeout;
    private final DbHealth health;

    public Db(Pool pool, HelixConfig config, DbHealth health) {
        this.pool = pool;
        this.timeout = config.db().timeout();
        this.health = health;
    }

    public Pool pool() {
        return pool;
    }

    public Uni<RowSet<Row>> query(String sql, Tuple args) {
        return guarded(() -> pool.preparedQuery(sql).execute(args));
    }

    public <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return guarded(() -> pool.withTransaction(work));
    }

    /**
     * A database call made only while the database is there (else 503 at once, not a queue behind a dead
     * server) and bounded by {@code helix.db.timeout}.
     */
    public <T> Uni<T> guarded(Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> health.available() ? bounded(call.get())
                : Uni.createFrom().failure(ProblemException.unavailable("the database is unavailable; retry shortly", 2)));
    }

    public <T> Uni<T> bounded(Uni<T> uni) {
        return uni.ifNoItem().after(timeout).failWith(() -> new TimeoutException("database call exceeded " + timeout));
    }

    /** True when the failure says the database cannot be reached or is overloaded, not that the request is wrong. */
    public static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof TimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException
                    || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57")
                    || pg.getSqlState().equals("53300") || pg.getSqlState().equals("40001")
                    || pg.getSqlState().equals("40P01"))) {
                return true;
            }
            String name = t.getClass().getName();
            String message = String.valueOf(t.getMessage());
            if (name.endsWith("QueryTimeoutException") || name.endsWith("JDBCConnectionException")
                    || name.endsWith("LockTimeoutException")) {
                return true; // Hibernate's wrapping of the same failures
            }
            if (name.contains("NoStackTraceThrowable") || name.contains("VertxException")) {
                if (message.contains("onnection") || message.contains("imeout") || message.contains("pool")) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}

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

/**
 * The Vert.x PostgreSQL pool with the service's discipline: every call is bounded by
 * {@code helix.db.timeout}, and failures that mean "the database is not there" are recognisable so
 * that callers answer 503 instead of 500.
 */
@ApplicationScoped
public class Db {

    private final Pool pool;
    private final Duration timeout;

    public Db(Pool pool, HelixConfig config) {
        this.pool = pool;
        this.timeout = config.db().timeout();
    }

    public Pool pool() {
        return pool;
    }

    public Uni<RowSet<Row>> query(String sql, Tuple args) {
        return bounded(pool.preparedQuery(sql).execute(args));
    }

    public static Uni<RowSet<Row>> query(SqlClient client, String sql, Tuple args) {
        return client.preparedQuery(sql).execute(args);
    }

    public <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return bounded(pool.withTransaction(work));
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
                    && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P")
                    || pg.getSqlState().equals("53300") || pg.getSqlState().equals("40001")
                    || pg.getSqlState().equals("40P01"))) {
                return true;
            }
            String name = t.getClass().getName();
            String message = String.valueOf(t.getMessage());
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

    public static boolean isUniqueViolation(Throwable e) {
        return e instanceof PgException pg && "23505".equals(pg.getSqlState());
    }
}

package org.helix.admin;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.helix.platform.Time.ts;

/**
 * Who did what, when, and what it changed (before → after). An operation that changes state writes its entry
 * in its own transaction; a refused one is recorded too, with the reason.
 */
@ApplicationScoped
public class AuditLog {

    public record Entry(long id, OffsetDateTime at, String actor, String action, String target,
                        Map<String, Object> before, Map<String, Object> after, String outcome) {
    }

    public record Page(List<Entry> entries, Long nextAfter) {
    }

    private static final String INSERT = """
            insert into audit_entry (at, actor, action, target, before, after, outcome)
            values ($1, $2, $3, $4, $5, $6, $7)""";

    private final Db db;
    private final Clock clock;

    public AuditLog(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Uni<Void> record(SqlClient client, String actor, String action, String target, JsonObject before,
                            JsonObject after, String outcome) {
        return client.preparedQuery(INSERT)
                .execute(Tuple.of(ts(clock.instant()), actor, action, target, before, after).addValue(outcome))
                .replaceWithVoid();
    }

    /** An entry in a statement of its own, for an operation that had no transaction to share. */
    public Uni<Void> record(String actor, String action, String target, JsonObject before, JsonObject after,
                            String outcome) {
        return db.guarded(() -> record(db.pool(), actor, action, target, before, after, outcome));
    }

    /** For a refusal: its own statement, since the refused transaction rolled back. */
    public Uni<Void> refused(String actor, String action, String target, String reason) {
        return record(actor, action, target, null, null, "refused: " + reason).onFailure().recoverWithNull();
    }

    /** Newest first: the entries older than {@code before} (an id), when given. */
    public Uni<Page> list(int limit, Long before, String action, String target) {
        return db.query("""
                        select * from audit_entry
                        where ($1::bigint is null or id < $1) and ($2::text is null or action = $2)
                          and ($3::text is null or target = $3)
                        order by id desc limit $4""", Tuple.of(before, action, target, limit + 1L))
                .map(rows -> {
                    List<Entry> entries = new ArrayList<>();
                    for (Row row : rows) {
                        JsonObject b = row.getJsonObject("before");
                        JsonObject a = row.getJsonObject("after");
                        entries.add(new Entry(row.getLong("id"), row.getOffsetDateTime("at"), row.getString("actor"),
                                row.getString("action"), row.getString("target"), b == null ? null : b.getMap(),
                                a == null ? null : a.getMap(), row.getString("outcome")));
                    }
                    // the one row more than the page tells whether another page follows
                    if (entries.size() <= limit) {
                        return new Page(entries, null);
                    }
                    List<Entry> page = entries.subList(0, limit);
                    return new Page(page, page.get(limit - 1).id());
                });
    }
}

package org.helix.events;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Appends events in the caller's transaction, so an event exists exactly when the change it reports
 * does. Statements that change state in one SQL statement insert into {@code event} themselves
 * (see the INSERT fragments next to them); this is for the multi-statement transitions.
 */
@ApplicationScoped
public class EventLog {

    static final String INSERT = "insert into event (type, ritual_id, created_at, payload) values ($1, $2, $3, $4)";

    private final EventHub hub;

    public EventLog(EventHub hub) {
        this.hub = hub;
    }

    public Uni<Void> append(SqlClient tx, EventType type, UUID ritualId, Instant at, JsonObject payload) {
        return tx.preparedQuery(INSERT)
                .execute(Tuple.of(type.wire(), ritualId, at.atOffset(ZoneOffset.UTC), payload))
                .replaceWithVoid();
    }

    /** Call after a transaction that appended events has committed: streams pick them up at once. */
    public void committed() {
        hub.poke();
    }
}

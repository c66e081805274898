package org.helix.events;

import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A committed event as streams send it: flat JSON {@code {id, event, timestamp, ...fields}}, encoded once. */
public record Event(long id, String type, UUID ritualId, String json) {

    static Event of(long id, String type, UUID ritualId, OffsetDateTime at, JsonObject payload) {
        JsonObject flat = new JsonObject().put("id", id).put("event", type).put("timestamp", at.toString());
        payload.forEach(field -> flat.put(field.getKey(), field.getValue()));
        return new Event(id, type, ritualId, flat.encode());
    }

    /** Events every subscriber gets whatever rituals it follows. */
    public boolean global() {
        return ritualId == null;
    }
}

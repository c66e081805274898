package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One lease as the service grants it (in {@code leases[]} or {@code next_lease}). Fields a service does not
 * send yet are tolerated: no input, no previous output, no step heartbeats.
 */
record Lease(UUID ritualId, int step, int attempt, UUID token, Instant expiresAt, String mantra, int stepsTotal,
             JsonNode input, JsonNode previousOutput, Duration heartbeatTimeout) {

    /** A ritual's step; an attempt is one lease of it. */
    record Key(UUID ritualId, int step) {
    }

    static Lease of(JsonNode json) {
        JsonNode expires = json.path("lease_expires_at");
        JsonNode timeout = json.path("heartbeat_timeout_seconds");
        return new Lease(UUID.fromString(json.path("ritual_id").asText()), json.path("step").asInt(),
                json.path("attempt").asInt(1), UUID.fromString(json.path("lease_token").asText()),
                expires.isTextual() ? OffsetDateTime.parse(expires.asText()).toInstant() : null,
                json.path("mantra").isTextual() ? json.path("mantra").asText() : null, json.path("steps_total").asInt(0),
                orNull(json.path("input")), orNull(json.path("previous_output")),
                timeout.isNumber() && timeout.asDouble() > 0 ? Duration.ofMillis((long) (timeout.asDouble() * 1000)) : null);
    }

    private static JsonNode orNull(JsonNode node) {
        return node.isMissingNode() ? NullNode.getInstance() : node;
    }

    Key key() {
        return new Key(ritualId, step);
    }

    @Override
    public String toString() {
        return ritualId + "/" + step + " attempt " + attempt;
    }
}

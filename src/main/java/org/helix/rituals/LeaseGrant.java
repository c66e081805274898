package org.helix.rituals;

import io.vertx.mutiny.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A step handed to an agent: it must complete or fail it with {@code lease_token} before {@code lease_expires_at}. */
public record LeaseGrant(UUID ritualId, int step, int attempt, UUID leaseToken, OffsetDateTime leaseExpiresAt,
                         String mantra, int stepsTotal) {

    static LeaseGrant from(Row row) {
        return new LeaseGrant(row.getUUID("ritual_id"), row.getInteger("number"), row.getInteger("attempt"),
                row.getUUID("lease_token"), row.getOffsetDateTime("lease_expires_at"), row.getString("mantra"),
                row.getInteger("steps_total"));
    }
}

package org.helix.rituals;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A step handed to an agent: it must complete or fail it with {@code lease_token} before {@code lease_expires_at}. */
public record LeaseGrant(UUID ritualId, int step, int attempt, UUID leaseToken, OffsetDateTime leaseExpiresAt,
                         String mantra, int stepsTotal) {
}

package org.helix.rituals;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * A step handed to an agent: it must complete or fail it with {@code lease_token} before {@code lease_expires_at}
 * and, when {@code heartbeat_timeout_seconds} is set, heartbeat it at least that often. {@code input} is the
 * ritual's, {@code previous_output} the output step n-1 was completed with (null for step 1 or a skipped one).
 */
public record LeaseGrant(UUID ritualId, int step, int attempt, UUID leaseToken, OffsetDateTime leaseExpiresAt,
                         String mantra, int stepsTotal, Map<String, Object> input, Map<String, Object> previousOutput,
                         Integer heartbeatTimeoutSeconds) {
}

package org.helix.rituals;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** The 202 body of a start (and of its idempotent replays). */
public record RitualAccepted(UUID ritualId, String status, OffsetDateTime estimatedCompletion,
                             OffsetDateTime deadlineAt, List<String> participants, String message) {
}

package org.helix.rituals;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A ritual as clients see it ({@code GET /api/rituals/{id}}). */
public record RitualView(UUID ritualId, RitualStatus status, int stepsTotal, int stepsCompleted, int stepsSkipped,
                         int currentStep, String mantra, List<String> participants, String priority,
                         int stepTimeoutSeconds, int maxAttempts,
                         Double harmonyBefore, Double harmonyAfter, Map<String, Object> ucfBefore,
                         Map<String, Object> ucfAfter, Double durationSeconds, OffsetDateTime createdAt,
                         OffsetDateTime startedAt, OffsetDateTime finishedAt, OffsetDateTime deadlineAt,
                         OffsetDateTime lastProgressAt, String waitingReason, String failureReason) {
}

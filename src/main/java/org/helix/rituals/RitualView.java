package org.helix.rituals;

import java.time.Duration;
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
                         OffsetDateTime lastProgressAt, String waitingReason, String failureReason,
                         Map<String, Object> input, Integer heartbeatTimeoutSeconds, List<String> requiredCapabilities) {

    static RitualView of(RitualRows.RitualRow r, String waitingReason) {
        // from acceptance, like the deadline and the ritual_completion event; so far, while it runs
        OffsetDateTime until = r.finishedAt() != null ? r.finishedAt() : r.lastProgressAt();
        Double duration = until == null ? null : Duration.between(r.createdAt(), until).toMillis() / 1000.0;
        return new RitualView(r.id(), r.status(), r.stepsTotal(), r.stepsCompleted(), r.stepsSkipped(), r.currentStep(),
                r.mantra(), r.participants(), r.priority(), r.stepTimeoutSeconds(), r.maxAttempts(),
                harmony(r.ucfBefore()), harmony(r.ucfAfter()), r.ucfBefore(), r.ucfAfter(), duration, r.createdAt(),
                r.startedAt(), r.finishedAt(), r.deadlineAt(), r.lastProgressAt(), waitingReason, r.failureReason(),
                r.input(), r.heartbeatTimeoutSeconds(), r.requiredCapabilities());
    }

    private static Double harmony(Map<String, Object> ucf) {
        return ucf == null ? null : ((Number) ucf.get("harmony")).doubleValue();
    }
}

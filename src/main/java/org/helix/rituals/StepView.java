package org.helix.rituals;

import java.time.OffsetDateTime;

/** One step as clients see it. */
public record StepView(int number, StepStatus status, String agent, int attempt, OffsetDateTime readyAt,
                       OffsetDateTime leasedAt, OffsetDateTime leaseExpiresAt, OffsetDateTime completedAt,
                       String error) {

    static StepView of(RitualRows.StepRow s) {
        return new StepView(s.number(), s.status(), s.agentName(), s.attempt(), s.readyAt(), s.leasedAt(),
                s.leaseExpiresAt(), s.completedAt(), s.error());
    }
}

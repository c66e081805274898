package org.helix.rituals;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * One step as clients see it: {@code output} is what its agent completed it with, {@code progress} what the agent
 * last reported while it runs, {@code heartbeat_due_at} when its next step heartbeat is due.
 */
public record StepView(int number, StepStatus status, String agent, int attempt, OffsetDateTime readyAt,
                       OffsetDateTime leasedAt, OffsetDateTime leaseExpiresAt, OffsetDateTime heartbeatDueAt,
                       OffsetDateTime completedAt, String error, Object output, Map<String, Object> progress) {

    static StepView of(RitualRows.StepRow s) {
        return new StepView(s.number(), s.status(), s.agentName(), s.attempt(), s.readyAt(), s.leasedAt(),
                s.leaseExpiresAt(), s.heartbeatDueAt(), s.completedAt(), s.error(),
                s.output() == null ? null : s.output().get("output"), s.progress());
    }
}

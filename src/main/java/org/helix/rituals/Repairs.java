package org.helix.rituals;

import io.vertx.core.json.JsonObject;
import org.helix.platform.ProblemException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * The guards of an operator's repairs, as pure functions of the locked ritual and step. Each answers whether the
 * repair changes anything (repeating one that already took effect changes nothing and is no error) and refuses
 * with 409 what the state does not allow.
 */
public final class Repairs {

    private Repairs() {
    }

    /** The ritual and its step {@code step} as they were before the repair (read under the ritual's lock). */
    public record Snapshot(UUID ritual, RitualStatus status, int currentStep, int stepsTotal, List<String> participants,
                           List<String> requiredCapabilities, int step, StepStatus stepStatus, int attempt, String agent, UUID reservedFor,
                           OffsetDateTime readyAt, String error) {

        public JsonObject json() {
            return new JsonObject().put("status", status.name()).put("current_step", currentStep)
                    .put("step", step).put("step_status", stepStatus == null ? null : stepStatus.name())
                    .put("attempt", attempt).put("agent", agent)
                    .put("reserved_for", reservedFor == null ? null : reservedFor.toString()).put("error", error);
        }
    }

    /** RETRY: from FAILED, from a backoff, or away from a stuck lease. */
    public static boolean retry(Snapshot s, Instant now) {
        requireCurrentAndLive(s);
        if (s.stepStatus() == StepStatus.READY && !s.readyAt().toInstant().isAfter(now)) {
            return false; // already offered now
        }
        requireOfferable(s, "retried");
        return true;
    }

    /** SKIP: any current step not yet completed. */
    public static boolean skip(Snapshot s) {
        if (s.stepStatus() == StepStatus.SKIPPED) {
            return false;
        }
        requireCurrentAndLive(s);
        if (s.stepStatus() == StepStatus.COMPLETED || s.stepStatus() == StepStatus.PENDING) {
            throw ProblemException.conflict("step " + s.step() + " is " + s.stepStatus() + " and cannot be skipped");
        }
        return true;
    }

    /** REASSIGN to {@code agent} (named {@code agentName}, declaring {@code capabilities}). */
    public static boolean reassign(Snapshot s, UUID agent, String agentName, List<String> capabilities) {
        requireCurrentAndLive(s);
        if (!s.participants().isEmpty() && !s.participants().contains(agentName)) {
            throw ProblemException.conflict(agentName + " is not a participant of this ritual");
        }
        List<String> missing = s.requiredCapabilities().stream().filter(c -> !capabilities.contains(c)).toList();
        if (!missing.isEmpty()) {
            // the lease would never match it: the step would wait, reserved, until the deadline
            throw ProblemException.conflict(agentName + " lacks the ritual's required capabilities "
                    + String.join(", ", missing));
        }
        if (agent.equals(s.reservedFor()) && s.stepStatus() == StepStatus.READY) {
            return false;
        }
        requireOfferable(s, "reassigned");
        return true;
    }

    /** RESUME: the step to start from (by default the first one not done). */
    public static int resumeFrom(Snapshot s, Integer fromStep) {
        if (!RitualStatus.RESUMABLE.contains(s.status())) {
            throw ProblemException.conflict("ritual is " + s.status()
                    + "; only STALLED, FAILED or TIMED_OUT rituals can be resumed");
        }
        int from = fromStep == null ? s.currentStep() : fromStep;
        if (from < 1 || from > s.currentStep()) {
            throw ProblemException.invalid("from_step", "must be between 1 and " + s.currentStep()
                    + " (the first step not yet done)");
        }
        return from;
    }

    /** TERMINATE: any live ritual; a FAILED one already is. */
    public static boolean terminate(Snapshot s) {
        if (s.status() == RitualStatus.FAILED) {
            return false;
        }
        if (!s.status().live()) {
            throw ProblemException.conflict("ritual is " + s.status() + " and cannot be terminated");
        }
        return true;
    }

    private static void requireCurrentAndLive(Snapshot s) {
        if (!s.status().live()) {
            throw ProblemException.conflict("ritual is " + s.status() + "; resume it first");
        }
        if (s.step() != s.currentStep()) {
            throw ProblemException.conflict("step " + s.step() + " is not the current step (" + s.currentStep() + ")");
        }
    }

    private static void requireOfferable(Snapshot s, String what) {
        if (s.stepStatus() != StepStatus.READY && s.stepStatus() != StepStatus.LEASED
                && s.stepStatus() != StepStatus.FAILED) {
            throw ProblemException.conflict("step " + s.step() + " is " + s.stepStatus() + " and cannot be " + what);
        }
    }
}

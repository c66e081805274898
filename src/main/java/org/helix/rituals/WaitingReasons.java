package org.helix.rituals;

import org.helix.agents.AgentStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Why a live ritual is not moving, in words an operator can act on. The old backend's worst symptom was
 * "agents listed but not participating" with nothing to say why; here it is spelled out.
 */
final class WaitingReasons {

    private WaitingReasons() {
    }

    /**
     * @param participants the status of each named participant
     * @param onlineAgents agents not OFFLINE (consulted when the ritual names no participants)
     * @param capableAgents agents not OFFLINE that may lease its steps given its required capabilities (consulted
     *                      when it requires any)
     */
    static String of(RitualRows.RitualRow ritual, RitualRows.StepRow step, Map<String, AgentStatus> participants,
                     long onlineAgents, long capableAgents, Instant now) {
        if (ritual.status() == RitualStatus.STALLED) {
            return "waiting for an operator: " + ritual.failureReason();
        }
        if (step == null) {
            return null;
        }
        int n = step.number();
        if (step.status() == StepStatus.LEASED && step.heartbeatDueAt() != null
                && step.heartbeatDueAt().toInstant().isBefore(now)) {
            return "the lease of step " + n + " held by " + step.agentName() + " missed its heartbeat, due at "
                    + step.heartbeatDueAt() + "; it is about to be offered again";
        }
        if (step.status() == StepStatus.LEASED) {
            return step.leaseExpiresAt().toInstant().isBefore(now)
                    ? "the lease of step " + n + " held by " + step.agentName() + " expired at " + step.leaseExpiresAt()
                    + "; it is about to be offered again"
                    : null;
        }
        if (step.status() != StepStatus.READY) {
            return null;
        }
        if (step.readyAt().toInstant().isAfter(now)) {
            return "step " + n + " is backing off after a failed attempt until " + step.readyAt();
        }
        List<String> names = ritual.participants();
        if (!names.isEmpty() && names.stream().allMatch(name -> participants.get(name) == AgentStatus.OFFLINE)) {
            return "all participants are offline: " + String.join(", ", names);
        }
        if (names.isEmpty() && onlineAgents == 0) {
            return "no agent is online to lease step " + n;
        }
        if (!ritual.requiredCapabilities().isEmpty() && capableAgents == 0) {
            return "no online agent" + (names.isEmpty() ? "" : " among the participants") + " has the required capabilities "
                    + String.join(", ", ritual.requiredCapabilities());
        }
        Duration waiting = Duration.between(step.readyAt().toInstant(), now);
        if (waiting.toSeconds() > ritual.stepTimeoutSeconds()) {
            return "step " + n + " has been READY for " + waiting.toSeconds() + " s and no eligible agent has leased it"
                    + (step.reservedFor() != null ? " (reserved for one agent by an operator)" : "")
                    + (names.isEmpty() ? "" : "; participants: " + describe(names, participants));
        }
        return null;
    }

    private static String describe(List<String> names, Map<String, AgentStatus> statuses) {
        return String.join(", ", names.stream().map(name -> name + " " + statuses.get(name)).toList());
    }
}

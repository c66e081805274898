package org.helix.rituals;

import org.helix.agents.AgentStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Why a live ritual is not moving, in an operator's words. */
class WaitingReasonsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static RitualRows.RitualRow ritual(RitualStatus status, List<String> participants) {
        return ritual(status, participants, List.of());
    }

    private static RitualRows.RitualRow ritual(RitualStatus status, List<String> participants, List<String> required) {
        OffsetDateTime created = NOW.minusSeconds(600).atOffset(ZoneOffset.UTC);
        return new RitualRows.RitualRow(UUID.randomUUID(), status, 108, 4, 0, 5, "Om", participants, "normal", 30, 3,
                null, "key:test", created, created, null, created.plusSeconds(1200), created, null, null,
                status == RitualStatus.STALLED ? "step 5 failed after 3 attempt(s): broken bell" : null, null, required,
                null);
    }

    private static RitualRows.StepRow step(StepStatus status, int attempt, Instant readyAt, Instant leaseExpiresAt,
                                           UUID reservedFor) {
        return step(status, attempt, readyAt, leaseExpiresAt, reservedFor, null);
    }

    private static RitualRows.StepRow step(StepStatus status, int attempt, Instant readyAt, Instant leaseExpiresAt,
                                           UUID reservedFor, Instant heartbeatDueAt) {
        return new RitualRows.StepRow(UUID.randomUUID(), 5, status, attempt, at(readyAt), null,
                status == StepStatus.LEASED ? "Kael" : null, null, null, at(leaseExpiresAt), null, null, null, null,
                reservedFor, null, at(heartbeatDueAt));
    }

    private static OffsetDateTime at(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static String reason(RitualRows.RitualRow r, RitualRows.StepRow s, Map<String, AgentStatus> statuses,
                                 long online) {
        return WaitingReasons.of(r, s, statuses, online, 1, NOW);
    }

    @Test
    void aStalledRitualWaitsForAnOperatorAndSaysWhy() {
        String why = reason(ritual(RitualStatus.STALLED, List.of()), null, Map.of(), 1);
        assertTrue(why.startsWith("waiting for an operator: step 5 failed after 3 attempt(s)"), why);
    }

    @Test
    void aHealthyRitualHasNoWaitingReason() {
        assertNull(reason(ritual(RitualStatus.RUNNING, List.of()),
                step(StepStatus.LEASED, 1, NOW.minusSeconds(3), NOW.plusSeconds(20), null), Map.of(), 1));
        assertNull(reason(ritual(RitualStatus.RUNNING, List.of()),
                step(StepStatus.READY, 0, NOW.minusSeconds(3), null, null), Map.of(), 1));
    }

    @Test
    void anExpiredLeaseIsAboutToBeOfferedAgain() {
        String why = reason(ritual(RitualStatus.RUNNING, List.of()),
                step(StepStatus.LEASED, 1, NOW.minusSeconds(40), NOW.minusSeconds(5), null), Map.of(), 1);
        assertTrue(why.contains("held by Kael expired") && why.contains("about to be offered again"), why);
    }

    @Test
    void aStepInItsBackoffSaysUntilWhen() {
        String why = reason(ritual(RitualStatus.RUNNING, List.of()),
                step(StepStatus.READY, 1, NOW.plusSeconds(4), null, null), Map.of(), 1);
        assertTrue(why.contains("backing off") && why.contains("12:00:04"), why);
    }

    @Test
    void offlineParticipantsOrNoAgentAtAllAreNamed() {
        RitualRows.StepRow ready = step(StepStatus.READY, 0, NOW.minusSeconds(1), null, null);
        String offline = reason(ritual(RitualStatus.RUNNING, List.of("Kael", "Vega")), ready,
                Map.of("Kael", AgentStatus.OFFLINE, "Vega", AgentStatus.OFFLINE), 5);
        assertTrue(offline.equals("all participants are offline: Kael, Vega"), offline);
        String nobody = reason(ritual(RitualStatus.RUNNING, List.of()), ready, Map.of(), 0);
        assertTrue(nobody.equals("no agent is online to lease step 5"), nobody);
    }

    @Test
    void aMissedStepHeartbeatIsAboutToCostTheAttempt() {
        String why = reason(ritual(RitualStatus.RUNNING, List.of()),
                step(StepStatus.LEASED, 1, NOW.minusSeconds(10), NOW.plusSeconds(20), null, NOW.minusSeconds(1)), Map.of(), 1);
        assertTrue(why.contains("missed its heartbeat") && why.contains("about to be offered again"), why);
    }

    @Test
    void noCapableAgentIsNamedWithTheCapabilitiesMissing() {
        RitualRows.StepRow ready = step(StepStatus.READY, 0, NOW.minusSeconds(1), null, null);
        String why = WaitingReasons.of(ritual(RitualStatus.RUNNING, List.of(), List.of("gpu", "incense")), ready,
                Map.of(), 3, 0, NOW);
        assertTrue(why.equals("no online agent has the required capabilities gpu, incense"), why);
        assertNull(WaitingReasons.of(ritual(RitualStatus.RUNNING, List.of(), List.of("gpu")), ready, Map.of(), 3, 1, NOW));
    }

    @Test
    void aStepNobodyEligibleTakesIsReportedAfterTheStepTimeout() {
        String why = reason(ritual(RitualStatus.RUNNING, List.of("Kael")),
                step(StepStatus.READY, 0, NOW.minusSeconds(45), null, UUID.randomUUID()),
                Map.of("Kael", AgentStatus.STALE), 1);
        assertTrue(why.contains("READY for 45 s") && why.contains("reserved for one agent") && why.contains("Kael STALE"), why);
        assertNull(reason(ritual(RitualStatus.RUNNING, List.of("Kael")),
                step(StepStatus.READY, 0, NOW.minusSeconds(20), null, null), Map.of("Kael", AgentStatus.STALE), 1),
                "within the step timeout it is just waiting its turn");
    }
}

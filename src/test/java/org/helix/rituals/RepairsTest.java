package org.helix.rituals;

import org.helix.platform.ProblemException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guards of an operator's repairs: what changes something, what is already done, what is refused. */
class RepairsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final UUID VEGA = UUID.randomUUID();

    private static Repairs.Snapshot at(RitualStatus ritual, int current, int step, StepStatus status, Instant readyAt,
                                       UUID reservedFor, List<String> participants) {
        return new Repairs.Snapshot(UUID.randomUUID(), ritual, current, 108, participants, List.of(), step, status, 1, "Kael",
                reservedFor, readyAt == null ? null : readyAt.atOffset(ZoneOffset.UTC), null);
    }

    private static Repairs.Snapshot current(RitualStatus ritual, StepStatus status) {
        return at(ritual, 7, 7, status, NOW.minusSeconds(1), null, List.of());
    }

    private static int conflict(Runnable repair) {
        return assertThrows(ProblemException.class, repair::run).status();
    }

    @Test
    void retryOffersAFailedALeasedOrABackingOffStepAndNothingElse() {
        assertTrue(Repairs.retry(current(RitualStatus.STALLED, StepStatus.FAILED), NOW));
        assertTrue(Repairs.retry(current(RitualStatus.RUNNING, StepStatus.LEASED), NOW));
        assertTrue(Repairs.retry(at(RitualStatus.RUNNING, 7, 7, StepStatus.READY, NOW.plusSeconds(5), null, List.of()), NOW));
        assertFalse(Repairs.retry(current(RitualStatus.RUNNING, StepStatus.READY), NOW), "already offered now");
        assertEquals(409, conflict(() -> Repairs.retry(current(RitualStatus.COMPLETED, StepStatus.COMPLETED), NOW)));
        assertEquals(409, conflict(() -> Repairs.retry(at(RitualStatus.RUNNING, 7, 3, StepStatus.COMPLETED, null, null,
                List.of()), NOW)), "not the current step");
    }

    @Test
    void skipPassesOverAnyCurrentStepNotYetDoneAndOnlyOnce() {
        assertTrue(Repairs.skip(current(RitualStatus.STALLED, StepStatus.FAILED)));
        assertTrue(Repairs.skip(current(RitualStatus.RUNNING, StepStatus.LEASED)));
        assertFalse(Repairs.skip(current(RitualStatus.RUNNING, StepStatus.SKIPPED)));
        assertEquals(409, conflict(() -> Repairs.skip(current(RitualStatus.RUNNING, StepStatus.COMPLETED))));
        assertEquals(409, conflict(() -> Repairs.skip(current(RitualStatus.TIMED_OUT, StepStatus.READY))));
    }

    @Test
    void reassignNeedsAParticipantAndIsDoneOnceTheStepIsReservedForIt() {
        assertTrue(Repairs.reassign(current(RitualStatus.RUNNING, StepStatus.LEASED), VEGA, "Vega", List.of()));
        assertFalse(Repairs.reassign(at(RitualStatus.RUNNING, 7, 7, StepStatus.READY, NOW, VEGA, List.of()), VEGA, "Vega",
                List.of()));
        assertEquals(409, conflict(() -> Repairs.reassign(at(RitualStatus.RUNNING, 7, 7, StepStatus.READY, NOW, null,
                List.of("Kael")), VEGA, "Vega", List.of())));
    }

    @Test
    void reassignRefusesAnAgentWithoutTheRitualsRequiredCapabilities() {
        Repairs.Snapshot s = current(RitualStatus.RUNNING, StepStatus.LEASED);
        Repairs.Snapshot needsGpu = new Repairs.Snapshot(s.ritual(), s.status(), s.currentStep(), s.stepsTotal(),
                s.participants(), List.of("gpu", "incense"), s.step(), s.stepStatus(), s.attempt(), s.agent(),
                s.reservedFor(), s.readyAt(), s.error());
        ProblemException refused = assertThrows(ProblemException.class,
                () -> Repairs.reassign(needsGpu, VEGA, "Vega", List.of("incense")));
        assertEquals(409, refused.status());
        assertTrue(refused.getMessage().contains("gpu"), refused.getMessage());
        assertTrue(Repairs.reassign(needsGpu, VEGA, "Vega", List.of("incense", "gpu", "bells")));
    }

    @Test
    void resumeStartsFromTheFirstStepNotDoneOrEarlierAndOnlyWhatEnded() {
        Repairs.Snapshot stalled = current(RitualStatus.STALLED, StepStatus.FAILED);
        assertEquals(7, Repairs.resumeFrom(stalled, null));
        assertEquals(2, Repairs.resumeFrom(stalled, 2));
        assertEquals(400, assertThrows(ProblemException.class, () -> Repairs.resumeFrom(stalled, 8)).status());
        assertEquals(409, conflict(() -> Repairs.resumeFrom(current(RitualStatus.COMPLETED, StepStatus.COMPLETED), null)));
        assertEquals(409, conflict(() -> Repairs.resumeFrom(current(RitualStatus.RUNNING, StepStatus.READY), null)));
    }

    @Test
    void terminateEndsAnyLiveRitualOnce() {
        assertTrue(Repairs.terminate(current(RitualStatus.STALLED, StepStatus.FAILED)));
        assertFalse(Repairs.terminate(current(RitualStatus.FAILED, StepStatus.READY)));
        assertEquals(409, conflict(() -> Repairs.terminate(current(RitualStatus.CANCELLED, StepStatus.READY))));
    }
}

package org.helix.admin;

import org.helix.rituals.RitualStatus;
import org.helix.rituals.StepStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Why a ritual that made no progress is stuck, as the stuck list reports it. */
class StuckReasonsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static StuckRituals.Current current(RitualStatus status, String stepStatus, int attempt, Instant readyAt,
                                                Instant leaseExpiresAt, List<String> participants, long participantsAlive,
                                                long agentsAlive, Instant deadline) {
        return current(status, stepStatus, attempt, readyAt, leaseExpiresAt, null, participants, participantsAlive,
                agentsAlive, deadline);
    }

    private static StuckRituals.Current current(RitualStatus status, String stepStatus, int attempt, Instant readyAt,
                                                Instant leaseExpiresAt, Instant heartbeatDueAt, List<String> participants,
                                                long participantsAlive, long agentsAlive, Instant deadline) {
        return new StuckRituals.Current(status, 9, StepStatus.valueOf(stepStatus), attempt, "Kael", readyAt,
                leaseExpiresAt, heartbeatDueAt, 30,
                status == RitualStatus.STALLED ? "step 9 failed after 3 attempt(s): broken bell" : null, "broken bell",
                participants, participantsAlive, agentsAlive, deadline);
    }

    private static List<String> codes(StuckRituals.Current c) {
        return StuckRituals.reasons(c, NOW).stream().map(StuckRituals.Reason::code).toList();
    }

    @Test
    void eachCauseHasItsCode() {
        Instant far = NOW.plusSeconds(3600);
        assertEquals(List.of("attempts_exhausted"), codes(current(RitualStatus.STALLED, "FAILED", 3, NOW, null,
                List.of(), 0, 2, far)));
        assertEquals(List.of("lease_expired"), codes(current(RitualStatus.RUNNING, "LEASED", 1, NOW.minusSeconds(60),
                NOW.minusSeconds(5), List.of(), 0, 2, far)));
        assertEquals(List.of("heartbeat_missed"), codes(current(RitualStatus.RUNNING, "LEASED", 1, NOW.minusSeconds(60),
                NOW.plusSeconds(20), NOW.minusSeconds(2), List.of(), 0, 2, far)));
        // a lease past both limits is reported once
        assertEquals(List.of("heartbeat_missed"), codes(current(RitualStatus.RUNNING, "LEASED", 1, NOW.minusSeconds(60),
                NOW.minusSeconds(5), NOW.minusSeconds(10), List.of(), 0, 2, far)));
        assertEquals(List.of("expired_lease_not_taken"), codes(current(RitualStatus.RUNNING, "READY", 1,
                NOW.minusSeconds(31), null, List.of(), 0, 2, far)));
        assertEquals(List.of("participants_offline"), codes(current(RitualStatus.RUNNING, "READY", 0,
                NOW.minusSeconds(1), null, List.of("Vega"), 0, 2, far)));
        assertEquals(List.of("no_agent_online"), codes(current(RitualStatus.RUNNING, "READY", 0, NOW.minusSeconds(1),
                null, List.of(), 0, 0, far)));
        assertEquals(List.of("deadline_near"), codes(current(RitualStatus.RUNNING, "READY", 0, NOW.minusSeconds(1),
                null, List.of(), 0, 1, NOW.plusSeconds(30))));
        assertEquals(List.of("no_progress"), codes(current(RitualStatus.RUNNING, "READY", 0, NOW.minusSeconds(1),
                null, List.of(), 0, 1, far)));
    }

    @Test
    void reasonsAddUp() {
        assertEquals(List.of("attempts_exhausted", "participants_offline", "deadline_near"),
                codes(current(RitualStatus.STALLED, "FAILED", 3, NOW, null, List.of("Vega"), 0, 2, NOW.plusSeconds(10))));
    }
}

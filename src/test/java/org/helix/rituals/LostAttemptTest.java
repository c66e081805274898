package org.helix.rituals;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.helix.rituals.LostAttempt.Cause.AGENT_OFFLINE;
import static org.helix.rituals.LostAttempt.Cause.DEREGISTERED;
import static org.helix.rituals.LostAttempt.Cause.FAILED;
import static org.helix.rituals.LostAttempt.Cause.OPERATOR;
import static org.helix.rituals.LostAttempt.Cause.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a lost lease costs its step, for every cause. */
class LostAttemptTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    /** The database has been reachable for an hour. */
    private static final Instant REACHABLE = NOW.minus(Duration.ofHours(1));
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 0);

    private static LostAttempt lose(LostAttempt.Cause cause, boolean retryable, int attempt, int max, Instant lostAt,
                                    Instant reachableSince) {
        return LostAttempt.decide(cause, cause.reason, retryable, attempt, max, lostAt, reachableSince, NOW, BACKOFF, 0.5);
    }

    @Test
    void aCountedLossComesBackAfterTheBackoffKeepingItsAttempt() {
        LostAttempt lost = lose(TIMEOUT, true, 2, 3, NOW.minusSeconds(1), REACHABLE);
        assertEquals(StepStatus.READY, lost.status());
        assertEquals(2, lost.attempt(), "the next lease makes it attempt 3");
        assertEquals(NOW.plusSeconds(2), lost.readyAt());
        assertTrue(lost.counted());
    }

    @Test
    void theLastAttemptLostFailsTheStep() {
        LostAttempt lost = lose(AGENT_OFFLINE, true, 3, 3, NOW, REACHABLE);
        assertEquals(StepStatus.FAILED, lost.status());
        assertEquals(3, lost.attempt());
    }

    @Test
    void aFailureTheAgentCallsNotRetryableFailsTheStepAtOnce() {
        LostAttempt lost = LostAttempt.decide(FAILED, "the mantra is corrupt", false, 1, 3, NOW, REACHABLE, NOW, BACKOFF, 0.5);
        assertEquals(StepStatus.FAILED, lost.status());
        assertEquals("the mantra is corrupt", lost.reason());
    }

    @Test
    void aLeaveOrAnOperatorGivesTheAttemptBackAndOffersTheStepNow() {
        for (LostAttempt.Cause cause : new LostAttempt.Cause[] {DEREGISTERED, OPERATOR}) {
            LostAttempt lost = lose(cause, true, 3, 3, NOW, REACHABLE);
            assertEquals(StepStatus.READY, lost.status(), cause.name());
            assertEquals(2, lost.attempt(), cause.name());
            assertEquals(NOW, lost.readyAt(), cause.name());
            assertFalse(lost.counted(), cause.name());
        }
    }

    @Test
    void aLeaseThatExpiredWhileTheDatabaseWasUnreachableCostsNothing() {
        Instant back = NOW.minusSeconds(2);
        LostAttempt lost = lose(TIMEOUT, true, 1, 1, NOW.minusSeconds(10), back);
        assertEquals(StepStatus.READY, lost.status(), "not FAILED although it was the only attempt");
        assertEquals(0, lost.attempt());
        assertEquals(NOW, lost.readyAt());
        assertFalse(lost.counted());
        assertTrue(lost.reason().contains("database was unreachable"), lost.reason());
    }

    @Test
    void aLeaseThatExpiredAfterTheDatabaseCameBackCounts() {
        LostAttempt lost = lose(TIMEOUT, true, 1, 1, NOW.minusSeconds(1), NOW.minusSeconds(2));
        assertEquals(StepStatus.FAILED, lost.status());
        assertTrue(lost.counted());
    }

    @Test
    void onlyTheAgentsOwnLossesAreCountedAndOnlyOthersAreToldToIt() {
        assertTrue(FAILED.counts);
        assertFalse(FAILED.tell, "the agent failed it itself");
        assertFalse(DEREGISTERED.counts);
        assertFalse(DEREGISTERED.tell, "the agent has left");
        assertTrue(TIMEOUT.tell);
        assertTrue(OPERATOR.tell);
    }
}

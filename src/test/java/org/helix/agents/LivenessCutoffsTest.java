package org.helix.agents;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Silence counts only from when the database was last reachable again. */
class LivenessCutoffsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final Duration STALE = Duration.ofSeconds(45);
    private static final Duration OFFLINE = Duration.ofSeconds(90);

    @Test
    void longAfterTheDatabaseCameBackSilenceCountsInFull() {
        LivenessCutoffs c = LivenessCutoffs.of(NOW, STALE, OFFLINE, NOW.minusSeconds(3600));
        assertEquals(NOW.minusSeconds(45), c.staleSince());
        assertEquals(NOW.minusSeconds(45), c.staleIfSilentSince());
        assertEquals(NOW.minusSeconds(90), c.offlineIfSilentSince());
    }

    @Test
    void rightAfterAnOutageNobodyIsDemoted() {
        LivenessCutoffs c = LivenessCutoffs.of(NOW, STALE, OFFLINE, NOW.minusSeconds(10));
        assertEquals(NOW.minusSeconds(45), c.staleSince(), "a STALE agent heard from again is still ONLINE at once");
        assertEquals(Instant.EPOCH, c.staleIfSilentSince());
        assertEquals(Instant.EPOCH, c.offlineIfSilentSince());
    }

    @Test
    void betweenTheTwoThresholdsAgentsMayGoStaleButNotOffline() {
        LivenessCutoffs c = LivenessCutoffs.of(NOW, STALE, OFFLINE, NOW.minusSeconds(60));
        assertEquals(NOW.minusSeconds(45), c.staleIfSilentSince());
        assertEquals(Instant.EPOCH, c.offlineIfSilentSince());
    }
}

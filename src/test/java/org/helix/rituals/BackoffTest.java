package org.helix.rituals;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The retry backoff: initial × factor^(attempt−1), capped, spread by ±jitter. */
class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 0.2);

    @Test
    void doublesFromTheInitialDelayUpToTheCap() {
        assertEquals(Duration.ofSeconds(1), backoff.after(1, 0.5));
        assertEquals(Duration.ofSeconds(2), backoff.after(2, 0.5));
        assertEquals(Duration.ofSeconds(4), backoff.after(3, 0.5));
        assertEquals(Duration.ofSeconds(16), backoff.after(5, 0.5));
        assertEquals(Duration.ofSeconds(30), backoff.after(6, 0.5), "capped");
        assertEquals(Duration.ofSeconds(30), backoff.after(20, 0.5));
    }

    @Test
    void jitterSpreadsTheDelayByTwentyPercentEitherWay() {
        assertEquals(Duration.ofMillis(3_200), backoff.after(3, 0.0));
        assertEquals(Duration.ofMillis(4_800), backoff.after(3, 1.0));
        assertEquals(Duration.ofMillis(24_000), backoff.after(9, 0.0), "the cap is jittered too");
    }

    @Test
    void anAttemptBelowOneIsTreatedAsTheFirst() {
        assertEquals(Duration.ofSeconds(1), backoff.after(0, 0.5));
    }
}

package org.helix.sdk;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    @Test
    void doublesFromTheInitialWaitUpToItsCap() {
        Backoff b = Backoff.DEFAULT;
        assertEquals(Duration.ofSeconds(1), b.delay(1, 0.5));
        assertEquals(Duration.ofSeconds(2), b.delay(2, 0.5));
        assertEquals(Duration.ofSeconds(16), b.delay(5, 0.5));
        assertEquals(Duration.ofSeconds(30), b.delay(6, 0.5));
        assertEquals(Duration.ofSeconds(30), b.delay(60, 0.5));
    }

    @Test
    void jitterSpreadsEachWaitByAFifthEitherWay() {
        Backoff b = Backoff.DEFAULT;
        assertEquals(Duration.ofMillis(800), b.delay(1, 0.0));
        long high = b.delay(1, 0.999).toMillis();
        assertTrue(high >= 1199 && high < 1200, "almost 1.2 s: " + high);
        assertEquals(Duration.ofSeconds(24), b.delay(10, 0.0));
        assertTrue(b.delay(10, 0.999).compareTo(Duration.ofSeconds(36)) < 0);
    }

    @Test
    void retryAfterIsAFloor() {
        Backoff b = new Backoff(Duration.ofMillis(10), 2, Duration.ofMillis(100), 0);
        assertEquals(Duration.ofSeconds(3), b.delay(1, Duration.ofSeconds(3)));
        assertEquals(Duration.ofMillis(20), b.delay(2, Duration.ofMillis(1)));
        assertEquals(Duration.ofMillis(40), b.delay(3, (Duration) null));
    }

    @Test
    void readsRetryAfterInSecondsOrAsADate() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        assertEquals(Duration.ofSeconds(2), Api.retryAfter("2", now));
        assertEquals(Duration.ofSeconds(90), Api.retryAfter("Wed, 01 Jan 2025 00:01:30 GMT", now));
        assertEquals(Duration.ZERO, Api.retryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now));
        assertNull(Api.retryAfter(null, now));
        assertNull(Api.retryAfter("soon", now));
        assertNull(Api.retryAfter("-1", now));
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, 2, Duration.ofSeconds(1), 0.2));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1), 0.2));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1), 0.2));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 1));
    }
}

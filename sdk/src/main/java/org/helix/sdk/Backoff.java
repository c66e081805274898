package org.helix.sdk;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter, for calls that failed for a reason that may pass (no connection, a
 * 5xx, 503, 429): {@code initial × factor^(attempt−1)}, at most {@code max}, then ±{@code jitter} at random so
 * that many agents cut off at once do not come back in step. A {@code Retry-After} from the service is a
 * floor. Pure: the random draw is a parameter.
 */
public record Backoff(Duration initial, double factor, Duration max, double jitter) {

    /** The service's own retry policy for lost attempts: 1 s, doubling, at most 30 s, ±20 %. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), 0.2);

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
        }
        if (factor < 1 || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("need factor >= 1 and 0 <= jitter < 1");
        }
    }

    /** The wait before retry number {@code attempt} (1 = the first retry), for a draw {@code random} in [0, 1). */
    public Duration delay(int attempt, double random) {
        double base = initial.toNanos() * Math.pow(factor, Math.max(0, attempt - 1));
        double capped = Math.min(base, max.toNanos());
        return Duration.ofNanos((long) (capped * (1 + jitter * (2 * random - 1))));
    }

    /** The wait before retry number {@code attempt}, never shorter than what the service asked for. */
    public Duration delay(int attempt, Duration retryAfter) {
        Duration own = delay(attempt, ThreadLocalRandom.current().nextDouble());
        return retryAfter != null && retryAfter.compareTo(own) > 0 ? retryAfter : own;
    }
}

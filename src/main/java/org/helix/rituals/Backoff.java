package org.helix.rituals;

import org.helix.platform.HelixConfig;

import java.time.Duration;

/**
 * How long a step waits after a lost attempt before it is offered again: {@code initial × factor^(attempt−1)},
 * capped at {@code max}, then spread by ±{@code jitter} so that steps lost together do not come back together.
 */
public record Backoff(Duration initial, double factor, Duration max, double jitter) {

    public static Backoff of(HelixConfig.Retry retry) {
        return new Backoff(retry.initial(), retry.factor(), retry.max(), retry.jitter());
    }

    /** The wait after attempt {@code attempt} (1-based) was lost; {@code random} is uniform in [0, 1). */
    public Duration after(int attempt, double random) {
        double base = Math.min(max.toMillis(), initial.toMillis() * Math.pow(factor, Math.max(attempt - 1, 0)));
        return Duration.ofMillis(Math.round(base * (1 + jitter * (2 * random - 1))));
    }
}

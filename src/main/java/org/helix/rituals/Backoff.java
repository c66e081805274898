package org.helix.rituals;

import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.HelixConfig;

import java.util.Locale;

/**
 * Retry backoff after a lost attempt: initial × factor^(attempt-1), capped, ±jitter. It is an SQL expression
 * because lost attempts are set-based statements (one sweep may return hundreds of steps to READY).
 */
@ApplicationScoped
public class Backoff {

    private final String sql;

    public Backoff(HelixConfig config) {
        HelixConfig.Retry retry = config.retry();
        // configuration numbers, not client input, are inlined: the statement stays one prepared statement
        this.sql = String.format(Locale.ROOT,
                "(least(%d, %d * power(%s, greatest(s.attempt - 1, 0))) * (1 + %s * (2 * random() - 1)))"
                        + " * interval '1 millisecond'",
                retry.max().toMillis(), retry.initial().toMillis(), Double.toString(retry.factor()),
                Double.toString(retry.jitter()));
    }

    /** An interval expression over the step row aliased {@code s}. */
    public String sql() {
        return sql;
    }
}

package org.helix.platform;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.inject.Singleton;

/**
 * Periodic sweeps pause while the database is away or the schema not yet migrated (they would only fail),
 * and when {@code helix.sweep.enabled=false} (tests that drive sweeps by hand).
 */
@Singleton
public class SweepsDisabled implements Scheduled.SkipPredicate {

    private final HelixConfig config;
    private final DbHealth health;

    public SweepsDisabled(HelixConfig config, DbHealth health) {
        this.config = config;
        this.health = health;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !config.sweep().enabled() || !health.available();
    }
}

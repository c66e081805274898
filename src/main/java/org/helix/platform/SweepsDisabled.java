package org.helix.platform;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.inject.Singleton;

/** {@code helix.sweep.enabled=false} pauses every periodic sweep (for tests that drive sweeps by hand). */
@Singleton
public class SweepsDisabled implements Scheduled.SkipPredicate {

    private final HelixConfig config;

    public SweepsDisabled(HelixConfig config) {
        this.config = config;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !config.sweep().enabled();
    }
}

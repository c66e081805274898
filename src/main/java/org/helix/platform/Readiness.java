package org.helix.platform;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * Ready when the database answers, the schema is migrated, start-up work is done and the service is not
 * shutting down. Liveness does not depend on the database: an outage must not get the pods restarted.
 */
@org.eclipse.microprofile.health.Readiness
@ApplicationScoped
public class Readiness implements HealthCheck {

    private final DbHealth db;
    private final Draining draining;
    private final ClusterSignals signals;
    private final Instance<StartupWork> work;

    public Readiness(DbHealth db, Draining draining, ClusterSignals signals, Instance<StartupWork> work) {
        this.db = db;
        this.draining = draining;
        this.signals = signals;
        this.work = work;
    }

    @Override
    public HealthCheckResponse call() {
        boolean ready = db.available() && !draining.draining();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("helix")
                .withData("database", db.up() ? "up" : "down")
                .withData("schema", db.migrated() ? "migrated" : "pending")
                .withData("listening", signals.listeningSince(db.downSinceNanos()))
                .withData("draining", draining.draining());
        for (StartupWork w : work) {
            response.withData(w.name(), w.done() ? "done" : "pending");
            ready &= w.done();
        }
        return response.status(ready).build();
    }
}

package org.helix.platform;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The sweeps whose timing is promised (timeouts, deadlines, liveness) run on a Vert.x timer: the Quarkus
 * scheduler checks its triggers once a second, so a one-second job regularly skips a beat and runs two
 * seconds apart. A pass never overlaps the previous one, and passes pause like the scheduled jobs do
 * ({@link SweepsDisabled}).
 */
@ApplicationScoped
public class Periodic {

    private static final Logger LOG = Logger.getLogger(Periodic.class);
    private final Vertx vertx;
    private final SweepsDisabled disabled;
    private final List<Long> timers = new CopyOnWriteArrayList<>();

    public Periodic(Vertx vertx, SweepsDisabled disabled) {
        this.vertx = vertx;
        this.disabled = disabled;
    }

    public void every(Duration interval, String name, Supplier<Uni<?>> pass) {
        AtomicBoolean running = new AtomicBoolean();
        timers.add(vertx.setPeriodic(interval.toMillis(), interval.toMillis(), t -> {
            if (disabled.test(null) || !running.compareAndSet(false, true)) {
                return;
            }
            Uni.createFrom().deferred(pass)
                    .onTermination().invoke(() -> running.set(false))
                    .subscribe().with(ok -> { }, e -> LOG.warnf("%s failed: %s", name, e.getMessage()));
        }));
    }

    void stop(@Observes ShutdownEvent event) {
        timers.forEach(vertx::cancelTimer);
    }
}

package org.helix.platform;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Graceful shutdown. On SIGTERM the service stops being ready, hands out no more leases (waiting long-polls
 * answer at once, agents go to another replica), stops the built-in agents and closes live streams with
 * 1001; completions keep being accepted. It then waits (at most {@code helix.shutdown.grace}) for every
 * request that was in flight when SIGTERM came, serves {@code quarkus.shutdown.delay} longer, and exits.
 *
 * <p>The wait is ours rather than Quarkus's {@code quarkus.shutdown.timeout}: that one counts a WebSocket
 * upgrade as a request that never ends, so with any WebSocket ever opened it always waits its full timeout.
 */
@ApplicationScoped
public class Draining {

    private static final Logger LOG = Logger.getLogger(Draining.class);

    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlightBeforeDrain = new AtomicInteger();
    private final HelixConfig config;
    private volatile boolean draining;

    public Draining(HelixConfig config) {
        this.config = config;
    }

    /** Counts plain requests (not WebSocket upgrades); while draining every answer closes its connection. */
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(ctx -> {
            if (draining) {
                ctx.response().putHeader("Connection", "close");
            } else if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
                inFlightBeforeDrain.incrementAndGet();
                ctx.addEndHandler(done -> inFlightBeforeDrain.decrementAndGet());
            }
            ctx.next();
        });
    }

    void delayed(@Observes ShutdownDelayInitiatedEvent ignored) throws InterruptedException {
        begin();
        long deadline = System.nanoTime() + config.shutdown().grace().toNanos();
        while (inFlightBeforeDrain.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        LOG.infof("drained; %d request(s) still in flight", inFlightBeforeDrain.get());
    }

    void shutdown(@Observes ShutdownEvent ignored) {
        begin();
    }

    public boolean draining() {
        return draining;
    }

    public void onDrain(Runnable listener) {
        listeners.add(listener);
    }

    private synchronized void begin() {
        if (draining) {
            return;
        }
        draining = true;
        LOG.info("shutting down: no more leases, closing live streams, finishing in-flight requests");
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("drain listener failed", e);
            }
        }
    }
}

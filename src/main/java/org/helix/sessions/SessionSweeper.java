package org.helix.sessions;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.websockets.next.CloseReason;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.HelixConfig;
import org.helix.platform.Metrics;
import org.helix.platform.SweepsDisabled;
import org.jboss.logging.Logger;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * What keeps this replica from accumulating anything: connections whose client has been silent for two ping
 * intervals are closed (a dropped network sends no close frame), activity of live connections is recorded
 * so their sessions stay alive, expired and idle sessions are deleted, and connections whose session was
 * ended elsewhere are closed.
 */
@ApplicationScoped
public class SessionSweeper {

    private static final Logger LOG = Logger.getLogger(SessionSweeper.class);

    private final SessionConnections connections;
    private final SessionService sessions;
    private final HelixConfig config;

    private final Metrics metrics;

    public SessionSweeper(SessionConnections connections, SessionService sessions, HelixConfig config,
                          Metrics metrics) {
        this.metrics = metrics;
        metrics.gauge("helix.websocket.connections", "Open WebSocket connections on this replica", connections::active);
        this.connections = connections;
        this.sessions = sessions;
        this.config = config;
    }

    @Scheduled(every = "${helix.session.sweep-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = SweepsDisabled.class)
    Uni<Void> scheduled() {
        return sweep().onFailure().invoke(e -> LOG.warnf("session sweep failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    public Uni<Integer> sweep() {
        long now = System.nanoTime();
        long silentLimit = config.session().pingInterval().multipliedBy(2).toNanos();
        Set<UUID> active = new HashSet<>();
        for (SessionConnections.Live live : connections.all()) {
            if (now - live.lastFrameNanos > silentLimit) {
                live.connection.close(new CloseReason(4408, "no answer to two pings"))
                        .subscribe().with(ok -> { }, e -> { });
            } else if (live.lastFrameNanos != live.flushedNanos) {
                live.flushedNanos = live.lastFrameNanos;
                active.add(live.session);
            }
        }
        return sessions.touch(active)
                .flatMap(v -> sessions.expire(config.sweep().batchSize()))
                .flatMap(expired -> sessions.recheck().replaceWith(expired))
                .flatMap(expired -> sessions.activeCount().invoke(alive -> metrics.set("helix.sessions.active",
                        "Client sessions neither expired nor idle (cluster)", null, null, alive)).replaceWith(expired));
    }
}

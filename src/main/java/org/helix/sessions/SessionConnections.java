package org.helix.sessions;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Draining;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WebSocket connections of this replica, by session and by client address. Everything here is removed
 * when its connection closes, so nothing accumulates however clients connect and drop.
 */
@ApplicationScoped
public class SessionConnections {

    /** One open connection and when its client last sent anything (pongs included). */
    public static final class Live {
        final WebSocketConnection connection;
        final UUID session;
        final String address;
        volatile long lastFrameNanos = System.nanoTime();
        volatile long flushedNanos = lastFrameNanos;

        Live(WebSocketConnection connection, UUID session, String address) {
            this.connection = connection;
            this.session = session;
            this.address = address;
        }

        void heard() {
            lastFrameNanos = System.nanoTime();
        }
    }

    private final Map<String, Live> byConnection = new ConcurrentHashMap<>();
    private final Map<UUID, Set<Live>> bySession = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final AtomicLong connectionsToday = new AtomicLong();
    private volatile LocalDate today = LocalDate.now(ZoneOffset.UTC);

    public SessionConnections(Draining draining) {
        draining.onDrain(() -> byConnection.values().forEach(live -> live.connection
                .close(new CloseReason(1001, "server shutting down; reconnect with last_event_id"))
                .subscribe().with(ok -> { }, e -> { })));
    }

    Live attach(WebSocketConnection connection, UUID session, String address) {
        Live live = new Live(connection, session, address);
        byConnection.put(connection.id(), live);
        bySession.computeIfAbsent(session, s -> ConcurrentHashMap.newKeySet()).add(live);
        byAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        rollDay();
        connectionsToday.incrementAndGet();
        return live;
    }

    void detach(WebSocketConnection connection) {
        Live live = byConnection.remove(connection.id());
        if (live == null) {
            return;
        }
        bySession.computeIfPresent(live.session, (s, set) -> {
            set.remove(live);
            return set.isEmpty() ? null : set;
        });
        release(live.address);
    }

    /** Whether one more connection from this address stays within the cap. */
    boolean admits(String address, int cap) {
        AtomicInteger count = byAddress.get(address);
        return count == null || count.get() < cap;
    }

    private void release(String address) {
        byAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    Live get(WebSocketConnection connection) {
        return byConnection.get(connection.id());
    }

    public void closeSession(UUID session, String reason) {
        Set<Live> lives = bySession.get(session);
        if (lives != null) {
            lives.forEach(live -> live.connection.close(new CloseReason(4401, reason)).subscribe().with(ok -> { }, e -> { }));
        }
    }

    public int count(UUID session) {
        Set<Live> lives = bySession.get(session);
        return lives == null ? 0 : lives.size();
    }

    public int active() {
        return byConnection.size();
    }

    public Set<UUID> sessions() {
        return bySession.keySet();
    }

    public Iterable<Live> all() {
        return byConnection.values();
    }

    public long connectionsToday() {
        rollDay();
        return connectionsToday.get();
    }

    private void rollDay() {
        LocalDate now = LocalDate.now(ZoneOffset.UTC);
        if (!now.equals(today)) {
            today = now;
            connectionsToday.set(0);
        }
    }
}

package org.helix.sessions;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.helix.events.Event;
import org.helix.events.EventHub;
import org.helix.events.Subscriber;
import org.helix.platform.HelixConfig;
import org.jboss.logging.Logger;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@code /ws}: the read-only live event stream. Query parameters: {@code session_id} + {@code resume_token} to
 * resume a session, {@code last_event_id} to replay what was missed, {@code rituals} (comma-separated ids) to
 * follow chosen rituals. The first message is {@code {"event":"session", ...}}; clients may send
 * {@code {"subscribe":[ids]}}, {@code {"unsubscribe":[ids]}} or {@code {"type":"ping"}}.
 */
@WebSocket(path = "/ws")
public class EventSocket {

    private static final Logger LOG = Logger.getLogger(EventSocket.class);
    /** Rituals one connection may follow: its filter is client-controlled memory, so it is bounded. */
    static final int MAX_RITUALS = 1_000;
    static final UserData.TypedKey<Stream> STREAM = new UserData.TypedKey<>("helix.stream");

    /** The connection as the event hub sees it. */
    static final class Stream implements Subscriber {
        final WebSocketConnection connection;
        final Set<UUID> rituals = ConcurrentHashMap.newKeySet();
        volatile EventHub.Subscription subscription;

        Stream(WebSocketConnection connection) {
            this.connection = connection;
        }

        @Override
        public Set<UUID> rituals() {
            return rituals;
        }

        @Override
        public Uni<Void> send(Event event) {
            return connection.sendText(event.json());
        }

        @Override
        public void overflow() {
            connection.close(new CloseReason(1013, "consumer too slow; reconnect with last_event_id"))
                    .subscribe().with(ok -> { }, e -> { });
        }

        @Override
        public void goingAway() {
            // SessionConnections closes every WebSocket with 1001 on drain, also those still opening
        }
    }

    private final EventHub hub;
    private final SessionConnections connections;
    private final HelixConfig config;
    private final java.time.Clock clock;

    public EventSocket(EventHub hub, SessionConnections connections, HelixConfig config, java.time.Clock clock) {
        this.clock = clock;
        this.hub = hub;
        this.connections = connections;
        this.config = config;
    }

    @OnOpen
    public Uni<Void> open(WebSocketConnection connection) {
        UUID session = UUID.fromString(connection.userData().get(SessionUpgradeCheck.SESSION));
        connections.attach(connection, session, connection.userData().get(SessionUpgradeCheck.ADDRESS));
        Stream stream = new Stream(connection);
        connection.userData().put(STREAM, stream);
        Long lastEventId;
        try {
            String rituals = param(connection, "rituals");
            if (rituals != null && !rituals.isBlank()) {
                for (String id : rituals.split(",")) {
                    stream.rituals.add(UUID.fromString(id.trim()));
                }
                if (stream.rituals.size() > MAX_RITUALS) {
                    return connection.close(new CloseReason(1008, "at most " + MAX_RITUALS + " rituals per connection"));
                }
            }
            String last = param(connection, "last_event_id");
            lastEventId = last == null || last.isBlank() ? null : Long.parseLong(last);
        } catch (IllegalArgumentException e) {
            return connection.close(new CloseReason(1008, "invalid rituals or last_event_id"));
        }
        Long resumeAfter = lastEventId;
        // the greeting's id is where the stream starts: the events after it follow, so a client that keeps the last
        // id it received can resume from the greeting as from any event
        return hub.startingPoint(lastEventId).flatMap(start -> connection.sendText(frame("session")
                        .put("id", start)
                        .put("session_id", session.toString())
                        .put("resume_token", connection.userData().get(SessionUpgradeCheck.NEW_TOKEN))
                        .put("idle_timeout_seconds", config.session().idleTimeout().toSeconds())
                        .put("ping_interval_seconds", config.session().pingInterval().toSeconds()).encode())
                        .flatMap(v -> hub.subscribe(stream, start, resumeAfter != null)))
                .invoke(subscription -> {
                    stream.subscription = subscription;
                    if (connection.isClosed()) {
                        subscription.cancel();
                    }
                })
                .replaceWithVoid();
    }

    @OnTextMessage
    public void message(WebSocketConnection connection, String text) {
        SessionConnections.Live live = connections.get(connection);
        if (live != null) {
            live.heard();
        }
        Stream stream = connection.userData().get(STREAM);
        try {
            JsonObject command = new JsonObject(text);
            if ("ping".equals(command.getString("type"))) {
                connection.sendText(frame("pong").encode()).subscribe().with(ok -> { }, e -> { });
            }
            apply(command.getJsonArray("subscribe"), id -> {
                if (stream.rituals.size() >= MAX_RITUALS && !stream.rituals.contains(id)) {
                    throw new IllegalStateException("at most " + MAX_RITUALS + " rituals per connection; unsubscribe first");
                }
                stream.rituals.add(id);
            });
            apply(command.getJsonArray("unsubscribe"), id -> stream.rituals.remove(id));
        } catch (IllegalStateException e) {
            connection.sendText(frame("error").put("message", e.getMessage()).encode())
                    .subscribe().with(ok -> { }, x -> { });
        } catch (DecodeException | ClassCastException | IllegalArgumentException e) {
            connection.sendText(frame("error")
                    .put("message", "this stream is read-only; send {\"subscribe\": [ritual ids]} or {\"type\": \"ping\"}")
                    .encode()).subscribe().with(ok -> { }, x -> { });
        }
    }

    @OnPongMessage
    public void pong(WebSocketConnection connection, Buffer data) {
        SessionConnections.Live live = connections.get(connection);
        if (live != null) {
            live.heard();
        }
    }

    @OnClose
    public void close(WebSocketConnection connection) {
        Stream stream = connection.userData().get(STREAM);
        if (stream != null && stream.subscription != null) {
            stream.subscription.cancel();
        }
        connections.detach(connection);
    }

    @OnError
    public void error(WebSocketConnection connection, Throwable error) {
        LOG.debugf("WebSocket %s: %s", connection.id(), error.toString());
    }

    /** A frame that is not an event of the log: no id of its own, a timestamp like every frame. */
    private JsonObject frame(String event) {
        return new JsonObject().put("id", (Object) null).put("event", event)
                .put("timestamp", clock.instant().atOffset(java.time.ZoneOffset.UTC).toString());
    }

    private static void apply(JsonArray ids, Consumer<UUID> action) {
        if (ids != null) {
            for (Object id : ids) {
                action.accept(UUID.fromString((String) id));
            }
        }
    }

    private static String param(WebSocketConnection connection, String name) {
        String query = connection.handshakeRequest().query();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}

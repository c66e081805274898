package org.helix.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A portal's WebSocket: collects every message; answers the server's pings (Vert.x does that by itself). */
public final class WsClient implements AutoCloseable {

    private static final Vertx VERTX = Vertx.vertx();

    public final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    public final CompletableFuture<Short> closed = new CompletableFuture<>();
    private final WebSocketClient client;

    private volatile WebSocket socket;

    private WsClient(WebSocketClient client) {
        this.client = client;
    }

    /** Connects to {@code /ws?query} of the service on localhost:port; fails with the HTTP status if refused. */
    public static WsClient connect(int port, String query) throws Exception {
        WebSocketClient client = VERTX.createWebSocketClient();
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost").setPort(port)
                .setURI("/ws" + (query == null || query.isEmpty() ? "" : "?" + query));
        WsClient ws = new WsClient(client);
        // handlers are set in the connect callback, on the event loop, before any message can be dispatched
        client.connect(options).onSuccess(socket -> {
            ws.socket = socket;
            socket.textMessageHandler(text -> ws.messages.add(new JsonObject(text)));
            socket.closeHandler(v -> ws.closed.complete(socket.closeStatusCode()));
        }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return ws;
    }

    public JsonObject next(long seconds) throws InterruptedException {
        return messages.poll(seconds, TimeUnit.SECONDS);
    }

    /** The next message with this event name, skipping others; null if none came in time. */
    public JsonObject next(String event, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            JsonObject message = messages.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (message != null && event.equals(message.getString("event"))) {
                return message;
            }
        }
        return null;
    }

    public List<JsonObject> drain() {
        List<JsonObject> all = new ArrayList<>();
        messages.drainTo(all);
        return all;
    }

    public void send(JsonObject message) {
        socket.writeTextMessage(message.encode());
    }

    @Override
    public void close() throws Exception {
        if (!socket.isClosed()) {
            socket.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        client.close();
    }
}

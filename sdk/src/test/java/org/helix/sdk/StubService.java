package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent protocol of the service, in memory, over real HTTP (com.sun.net.httpserver): tests queue leases
 * and revocations, script answers, and read back every call the agent made.
 */
final class StubService implements AutoCloseable {

    /** One request the agent made: its path (with query), bearer token and JSON body, and when. */
    record Call(String path, String token, JsonNode body, long atNanos) {
        boolean is(String suffix) {
            return path.replaceAll("\\?.*", "").endsWith(suffix);
        }
    }

    /** A canned answer; status -1 closes the connection without answering. */
    record Canned(int status, String body, Map<String, String> headers) {
    }

    private static final Pattern STEP = Pattern.compile("/api/rituals/([^/]+)/steps/(\\d+)/(complete|fail|heartbeat)");

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final BlockingDeque<ObjectNode> leases = new LinkedBlockingDeque<>();
    /** Handed out as {@code next_lease} to completions that ask for one. */
    final Queue<ObjectNode> chained = new ConcurrentLinkedQueue<>();
    final Queue<ObjectNode> revocations = new ConcurrentLinkedQueue<>();
    /** Lease tokens the service no longer honours: complete, fail and step heartbeat answer 409. */
    final Set<String> lostTokens = ConcurrentHashMap.newKeySet();
    /** Each registered name's current token; clearing it is an operator's reinit of every agent. */
    final Map<String, String> validAgentTokens = new ConcurrentHashMap<>();
    final AtomicInteger openPolls = new AtomicInteger();
    final AtomicInteger mostOpenPolls = new AtomicInteger();
    final AtomicInteger registrations = new AtomicInteger();
    volatile double heartbeatSeconds = 0.2;
    volatile String apiKey = "agent-key";
    private final Map<String, Queue<Canned>> canned = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final UUID agentId = UUID.randomUUID();

    StubService() throws IOException {
        this(0);
    }

    StubService(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The next request whose path ends with {@code suffix} gets this answer instead of the usual one. */
    StubService script(String suffix, int status, String body, Map<String, String> headers) {
        canned.computeIfAbsent(suffix, s -> new ConcurrentLinkedQueue<>()).add(new Canned(status, body, headers));
        return this;
    }

    StubService script(String suffix, int status) {
        return script(suffix, status, "{\"status\":" + status + ",\"detail\":\"scripted\"}", Map.of());
    }

    List<Call> calls(String suffix) {
        return calls.stream().filter(c -> c.is(suffix)).toList();
    }

    static ObjectNode lease(UUID ritual, int step) {
        ObjectNode lease = Api.JSON.createObjectNode();
        lease.put("ritual_id", ritual.toString()).put("step", step).put("attempt", 1)
                .put("lease_token", UUID.randomUUID().toString())
                .put("lease_expires_at", Instant.now().plusSeconds(30).toString()).put("mantra", "Om");
        return lease;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().toString();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String token = auth == null ? null : auth.replace("Bearer ", "");
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? MissingNode.getInstance() : Api.JSON.readTree(raw);
            calls.add(new Call(path, token, body, System.nanoTime()));
            Canned answer = scripted(path);
            if (answer == null) {
                answer = answer(path, token, body);
            }
            if (answer.status() < 0) {
                return; // closed without an answer
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
            if (out.length > 0) {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
            }
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Canned scripted(String path) {
        String bare = path.replaceAll("\\?.*", "");
        for (Map.Entry<String, Queue<Canned>> e : canned.entrySet()) {
            if (bare.endsWith(e.getKey())) {
                Canned c = e.getValue().poll();
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    private Canned answer(String path, String token, JsonNode body) throws InterruptedException {
        String bare = path.replaceAll("\\?.*", "");
        if (bare.equals("/api/agents")) {
            if (!apiKey.equals(token)) {
                return json(401, "{\"status\":401,\"detail\":\"unknown key\"}");
            }
            int epoch = registrations.incrementAndGet();
            String agentToken = "ha_" + epoch;
            validAgentTokens.put(body.path("name").asText(), agentToken);
            return json(201, "{\"agent_id\":\"" + agentId + "\",\"name\":\"" + body.path("name").asText() + "\",\"epoch\":"
                    + epoch + ",\"token\":\"" + agentToken + "\",\"heartbeat_interval_seconds\":" + heartbeatSeconds + "}");
        }
        if (bare.startsWith("/api/agents/") && !validAgentTokens.containsValue(token)) {
            return json(401, "{\"status\":401,\"detail\":\"unknown token\"}");
        }
        if (bare.endsWith("/heartbeat") && bare.startsWith("/api/agents/")) {
            ArrayNode revoked = Api.JSON.createArrayNode();
            for (ObjectNode r; (r = revocations.poll()) != null; ) {
                revoked.add(r);
            }
            return json(200, "{\"status\":\"ONLINE\",\"next_heartbeat_seconds\":" + heartbeatSeconds + ",\"revoked\":" + revoked + "}");
        }
        if (bare.endsWith("/lease")) {
            int open = openPolls.incrementAndGet();
            mostOpenPolls.accumulateAndGet(open, Math::max);
            try {
                Matcher m = Pattern.compile("wait_seconds=(\\d+)").matcher(path);
                int wait = m.find() ? Integer.parseInt(m.group(1)) : 0;
                ObjectNode lease = leases.poll(wait, TimeUnit.SECONDS);
                if (lease != null && !validAgentTokens.containsValue(token)) {
                    // as the service does, a poll of an epoch that ended meanwhile gets nothing
                    leases.addFirst(lease);
                    return json(401, "{\"status\":401,\"detail\":\"unknown token\"}");
                }
                return lease == null ? new Canned(204, null, Map.of())
                        : json(200, "{\"leases\":[" + lease + "]}");
            } finally {
                openPolls.decrementAndGet();
            }
        }
        if (bare.endsWith("/deregister")) {
            return json(200, "{\"agent_id\":\"" + agentId + "\",\"status\":\"OFFLINE\"}");
        }
        Matcher step = STEP.matcher(bare);
        if (step.matches()) {
            if (lostTokens.contains(body.path("lease_token").asText())) {
                return json(409, "{\"status\":409,\"detail\":\"the lease is no longer valid\"}");
            }
            return switch (step.group(3)) {
                case "complete" -> {
                    ObjectNode next = body.path("lease_next").asBoolean() ? chained.poll() : null;
                    yield json(200, "{\"ritual_id\":\"" + step.group(1) + "\",\"step\":" + step.group(2)
                            + ",\"status\":\"COMPLETED\",\"next_lease\":" + (next == null ? "null" : next.toString()) + "}");
                }
                case "fail" -> json(200, "{\"ritual_id\":\"" + step.group(1) + "\",\"step\":" + step.group(2)
                        + ",\"status\":\"READY\"}");
                default -> json(200, "{\"lease_expires_at\":\"" + Instant.now().plusSeconds(30)
                        + "\",\"heartbeat_due_at\":\"" + Instant.now().plusSeconds(1) + "\"}");
            };
        }
        return json(404, "{\"status\":404,\"detail\":\"no route " + bare + "\"}");
    }

    private static Canned json(int status, String body) {
        return new Canned(status, body, Map.of());
    }

    List<String> paths() {
        List<String> out = new ArrayList<>();
        calls.forEach(c -> out.add(c.path()));
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}

package org.helix.resilience;

import io.vertx.core.json.JsonObject;
import org.helix.support.AppProcess;
import org.helix.support.OwnDatabase;
import org.helix.support.TestDb;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application starts while 1,000 clients register, heartbeat and lease at once: no deadlock, every
 * request answered (2xx or 503) within a bound, /status responsive throughout, everything consistent after.
 */
@Tag("process")
@ExtendWith(OwnDatabase.class)
class StartupStormIT {

    static final int CLIENTS = 1_000;
    /** The design's bound on waiting for a database connection: nobody waits longer than that. */
    static final long BOUND_MILLIS = 30_000;

    record Answer(int status, long millis, String path, long atMillis) {
    }

    static final long T0 = System.nanoTime();

    /** Transport errors once the service answered its first request (before that it is still binding its port). */
    static final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    static final AtomicBoolean listening = new AtomicBoolean();

    @Test
    void aThousandAgentsStormingAStartingServiceAreAllAnsweredAndConsistent() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(16)).build();
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        List<Long> statusLatencies = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, AtomicInteger> statusCodes = new ConcurrentHashMap<>();
        AtomicLong refused = new AtomicLong();
        // agents register with a key of role agent, as deployed agents do (their traffic is bulkheaded, not rate limited)
        String agentKeyHash = org.helix.platform.security.Tokens.hash("hk_storm-agent-key");
        TestDb.execute("insert into api_key (id, name, key_hash, roles, created_at) values (gen_random_uuid(), 'storm', '"
                + agentKeyHash + "', '{agent}', now())");
        try (AppProcess app = AppProcess.create("startup-storm", Map.of())) {
            app.start();
            long started = System.nanoTime();
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                String name = "storm-" + i;
                clients.add(call(http, app, "POST", "/api/agents", "hk_storm-agent-key",
                        new JsonObject().put("name", name).encode(), answers, refused, 201)
                        .thenCompose(registration -> {
                            JsonObject body = new JsonObject(registration);
                            String token = body.getString("token");
                            String id = body.getString("agent_id");
                            return call(http, app, "POST", "/api/agents/" + id + "/heartbeat", token, "{\"workload\": 0}",
                                    answers, refused, 200)
                                    .thenCompose(hb -> call(http, app, "POST", "/api/agents/" + id + "/lease?wait_seconds=1",
                                            token, null, answers, refused, 204));
                        }).thenApply(x -> null));
            }
            AtomicBoolean storming = new AtomicBoolean(true);
            HttpClient portal = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
                while (storming.get()) {
                    long t = System.nanoTime();
                    try {
                        HttpResponse<Void> r = portal.send(HttpRequest.newBuilder(URI.create(app.url("/status")))
                                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
                        statusCodes.computeIfAbsent(r.statusCode(), c -> new AtomicInteger()).incrementAndGet();
                        if (r.statusCode() == 200) {
                            statusLatencies.add((System.nanoTime() - t) / 1_000_000);
                        }
                    } catch (Exception e) {
                        // not listening yet
                    }
                    sleep(100);
                }
            });
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
            long stormMillis = (System.nanoTime() - started) / 1_000_000;
            storming.set(false);
            watcher.get();

            List<Answer> all = List.copyOf(answers);
            long worst = all.stream().mapToLong(Answer::millis).max().orElse(0);
            long unavailable = all.stream().filter(a -> a.status() == 503).count();
            all.stream().sorted((a, b) -> Long.compare(b.millis(), a.millis())).limit(8).forEach(a -> System.out.println("slow: " + a));
            Map<String, Long> byPath = new java.util.TreeMap<>();
            all.forEach(a -> byPath.merge(a.path() + " " + a.status(), 1L, Long::sum));
            System.out.println("answers: " + byPath);
            List<Long> latencies = new ArrayList<>(statusLatencies);
            Collections.sort(latencies);
            assertTrue(latencies.size() > 5, "/status answered during the storm: " + statusCodes);
            long p99 = latencies.get((int) Math.min(latencies.size() - 1, Math.ceil(latencies.size() * 0.99) - 1));
            System.out.printf("MEASURED start-up storm: %d clients done in %d ms; %d answers (%d of them 503), worst %d ms, "
                            + "%d refused connections while starting; /status p50 %d ms, p99 %d ms, max %d ms (%d samples)%n",
                    CLIENTS, stormMillis, all.size(), unavailable, worst, refused.get(), latencies.get(latencies.size() / 2),
                    p99, latencies.get(latencies.size() - 1), latencies.size());
            assertEquals(List.of(), errors, "no connection dropped once the service listens");
            assertTrue(all.stream().allMatch(a -> a.status() < 300 || a.status() == 503),
                    "only 2xx or 503: " + all.stream().filter(a -> a.status() >= 300 && a.status() != 503).limit(5).toList());
            assertTrue(worst < BOUND_MILLIS, "every request answered within " + BOUND_MILLIS + " ms, worst " + worst);
            // the median is what a portal feels; the tail on a shared 2-core runner is noise, so it only gets a loose bound
            long p50 = latencies.get(latencies.size() / 2);
            assertTrue(p50 < 1_000, "/status stays responsive, p50 " + p50 + " ms");
            assertTrue(p99 < BOUND_MILLIS / 3, "/status never stalls behind the storm, p99 " + p99 + " ms");

            assertEquals(CLIENTS, TestDb.count("select count(*) from agent where name like 'storm-%'"));
            assertEquals(CLIENTS, TestDb.count("select count(*) from agent where name like 'storm-%' and epoch = 1"),
                    "each registered exactly once");
            assertEquals(0, TestDb.count("select count(*) from step where status = 'LEASED'"));
        }
    }

    /** One request, retried while the service is not listening yet or answers 503; resolves with the body. */
    static CompletableFuture<String> call(HttpClient http, AppProcess app, String method, String path, String key,
                                          String body, List<Answer> answers, AtomicLong refused, int expected) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(app.url(path))).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        long started = System.nanoTime();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
            if (error != null) {
                refused.incrementAndGet();
                if (!(rootCause(error) instanceof ConnectException) && listening.get()) {
                    errors.add(rootCause(error).toString());
                }
                return later(200, () -> call(http, app, method, path, key, body, answers, refused, expected));
            }
            listening.set(true);
            answers.add(new Answer(response.statusCode(), (System.nanoTime() - started) / 1_000_000,
                    path.replaceAll("[0-9a-f-]{36}", "{id}"), (started - T0) / 1_000_000));
            if (response.statusCode() == 503) {
                // a well-behaved client: wait what Retry-After says, with jitter, so retries do not come in waves
                long wait = 1_000L * response.headers().firstValueAsLong("Retry-After").orElse(1);
                return later(wait + java.util.concurrent.ThreadLocalRandom.current().nextLong(wait / 2 + 1),
                        () -> call(http, app, method, path, key, body, answers, refused, expected));
            }
            if (response.statusCode() != expected && !(expected == 204 && response.statusCode() == 200)) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return CompletableFuture.completedFuture(response.body());
        }).thenCompose(f -> f);
    }

    /** Retries after a pause without holding a client thread (a real client's backoff). */
    static <T> CompletableFuture<T> later(long millis, java.util.function.Supplier<CompletableFuture<T>> call) {
        return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS))
                .thenCompose(x -> call.get());
    }

    static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

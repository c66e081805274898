package org.helix.support;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP agents that behave like careful real ones through crashes, outages and shutdowns: lease, work, complete;
 * on a connection error or a 503 they retry the same call; a 409 means the lease is gone. They record what
 * was acknowledged and every answer they got.
 */
public final class Workers implements AutoCloseable {

    public final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    public final List<String> violations = new CopyOnWriteArrayList<>();
    public final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    public final AtomicInteger completions = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService pool;
    private final int waitSeconds;
    private final long workMillis;

    public Workers(List<HttpAgent> agents, int waitSeconds) {
        this(agents, waitSeconds, Duration.ofMillis(2));
    }

    /** Each step takes {@code work} to do, between its lease and its completion. */
    public Workers(List<HttpAgent> agents, int waitSeconds, Duration work) {
        this.waitSeconds = waitSeconds;
        this.workMillis = work.toMillis();
        this.pool = Executors.newFixedThreadPool(agents.size());
        for (HttpAgent agent : agents) {
            pool.submit(() -> {
                work(agent);
                return null;
            });
        }
    }

    private void work(HttpAgent agent) throws InterruptedException {
        while (!stop.get()) {
            try {
                HttpAgent.Reply reply = agent.lease(waitSeconds, 1);
                count(reply.status());
                if (reply.status() == 503) {
                    Thread.sleep(200);
                }
                for (Object o : HttpAgent.leases(reply)) {
                    JsonObject lease = (JsonObject) o;
                    String key = lease.getString("ritual_id") + "/" + lease.getInteger("step");
                    if (acknowledged.contains(key)) {
                        violations.add(key + " leased again after its completion was acknowledged");
                    }
                    Thread.sleep(workMillis);
                    complete(agent, lease, key);
                }
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
    }

    private void complete(HttpAgent agent, JsonObject lease, String key) throws InterruptedException {
        while (!stop.get()) {
            try {
                HttpAgent.Reply r = agent.complete(UUID.fromString(lease.getString("ritual_id")), lease.getInteger("step"),
                        UUID.fromString(lease.getString("lease_token")), false);
                count(r.status());
                if (r.status() == 200) {
                    acknowledged.add(key);
                    completions.incrementAndGet();
                    return;
                }
                if (r.status() == 409 || r.status() == 404) {
                    return;
                }
            } catch (IOException e) {
                // unreachable for now: keep the result and try again
            }
            Thread.sleep(100);
        }
    }

    private void count(int status) {
        statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
    }

    public int count5xxOtherThan503() {
        return statuses.entrySet().stream().filter(e -> e.getKey() >= 500 && e.getKey() != 503)
                .mapToInt(e -> e.getValue().get()).sum();
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        pool.shutdown();
        if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
            pool.shutdownNow();
        }
    }
}

package org.helix.support;

import org.helix.sdk.AgentListener;
import org.helix.sdk.Backoff;
import org.helix.sdk.HelixAgent;
import org.helix.sdk.StepContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Agents on the SDK (sdk/), as careful real ones behave through crashes, outages and shutdowns: lease, work,
 * complete; connection errors, 503 and 5xx are retried with the result kept; a 409 means the lease is gone.
 * They record what was acknowledged, anything leased again after its completion was acknowledged, and every
 * answer the service gave.
 */
public final class Workers implements AutoCloseable {

    /** Quick retries, as the tests' durations are short. */
    static final Backoff BACKOFF = new Backoff(Duration.ofMillis(100), 2, Duration.ofMillis(500), 0.2);

    public final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    public final List<String> violations = new CopyOnWriteArrayList<>();
    public final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    public final AtomicInteger completions = new AtomicInteger();
    private final List<HelixAgent> agents = new ArrayList<>();

    /** Registers one agent under each name (exactly that name) at {@code url} and starts them. */
    public Workers(String url, String key, List<String> names, int waitSeconds) {
        this(url, key, names, waitSeconds, Duration.ofMillis(2));
    }

    /** As above; each step takes {@code work} to do, between its lease and its completion. */
    public Workers(String url, String key, List<String> names, int waitSeconds, Duration work) {
        AgentListener listener = new AgentListener() {
            @Override
            public void onAnswer(String method, String path, int status) {
                statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void onCompleted(StepContext step) {
                acknowledged.add(key(step));
                completions.incrementAndGet();
            }
        };
        for (String name : names) {
            agents.add(HelixAgent.builder().url(url).apiKey(key).instanceName(name).listener(listener)
                    .waitSeconds(waitSeconds).backoff(BACKOFF)
                    // every step through a long-poll, as the tests that use these agents were written for
                    .leaseNext(false)
                    .handler(step -> {
                        if (acknowledged.contains(key(step))) {
                            violations.add(key(step) + " leased again after its completion was acknowledged");
                        }
                        Thread.sleep(work.toMillis());
                        return null;
                    }).start());
        }
    }

    public UUID agentId(String name) {
        return agents.stream().filter(a -> a.instanceName().equals(name)).findFirst().orElseThrow().agentId();
    }

    private static String key(StepContext step) {
        return step.ritualId() + "/" + step.step();
    }

    public int count5xxOtherThan503() {
        return statuses.entrySet().stream().filter(e -> e.getKey() >= 500 && e.getKey() != 503)
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** Stops every agent at once: each finishes the step in hand (for at most 2 s) and deregisters. */
    @Override
    public void close() throws InterruptedException {
        List<Thread> stopping = new ArrayList<>();
        for (HelixAgent agent : agents) {
            Thread t = new Thread(() -> agent.stop(Duration.ofSeconds(2)));
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            t.join();
        }
    }
}

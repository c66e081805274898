import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load driver: agents speaking HTTP as real ones do (register, heartbeat, long-poll lease, complete with
 * lease_next; zero work per step). It measures whole requests from the agent's side.
 *
 * Usage: java Driver.java <base-url> <agent-key> <admin-key> <rituals> <steps> <agents>
 * Prints one line of key=value results.
 */
public class Driver {

    static final Pattern RITUAL = Pattern.compile("\"ritual_id\":\"([^\"]+)\"");
    static final Pattern STEP = Pattern.compile("\"step\":(\\d+)");
    static final Pattern TOKEN = Pattern.compile("\"lease_token\":\"([^\"]+)\"");
    static final Pattern AGENT_ID = Pattern.compile("\"agent_id\":\"([^\"]+)\"");
    static final Pattern AGENT_TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");
    static final Pattern NEXT = Pattern.compile("\"next_lease\":(\\{[^}]*\\}|null)");

    record Lease(String ritual, int step, String token) {
        static Lease parse(String json) {
            Matcher r = RITUAL.matcher(json), s = STEP.matcher(json), t = TOKEN.matcher(json);
            return r.find() && s.find() && t.find() ? new Lease(r.group(1), Integer.parseInt(s.group(1)), t.group(1)) : null;
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String base;
    static final AtomicLong errors = new AtomicLong();
    static final AtomicInteger completed = new AtomicInteger();
    static final AtomicInteger doubled = new AtomicInteger();
    /** When step n of a ritual was sent for completion, and when step n+1 was held. */
    static final Map<String, Long> completeSent = new ConcurrentHashMap<>();
    static final Map<String, Long> leaseHeld = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        base = args[0];
        String agentKey = args[1];
        String adminKey = args[2];
        int rituals = Integer.parseInt(args[3]);
        int steps = Integer.parseInt(args[4]);
        int agents = Integer.parseInt(args[5]);
        int total = rituals * steps;

        List<String[]> identities = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            String body = post("/api/agents", agentKey, "{\"name\":\"bench-" + i + "\"}").body();
            Matcher id = AGENT_ID.matcher(body), token = AGENT_TOKEN.matcher(body);
            if (!id.find() || !token.find()) {
                throw new IllegalStateException("registration failed: " + body);
            }
            identities.add(new String[]{id.group(1), token.group(1)});
            post("/api/agents/" + id.group(1) + "/heartbeat", token.group(1), "{\"workload\":0}");
        }
        CountDownLatch done = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (String[] identity : identities) {
            Thread thread = new Thread(() -> agent(identity[0], identity[1], total, done));
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(200); // every agent is parked in its long-poll
        long started = System.nanoTime();
        for (int i = 0; i < rituals; i++) {
            HttpResponse<String> r = post("/api/rituals", adminKey, "{\"steps\":" + steps + ",\"deadline_seconds\":3600}");
            if (r.statusCode() != 202) {
                throw new IllegalStateException("start failed: " + r.body());
            }
        }
        if (!done.await(600, TimeUnit.SECONDS)) {
            System.err.println("timed out with " + completed.get() + " of " + total + " steps");
        }
        long elapsedNanos = System.nanoTime() - started;
        for (Thread thread : threads) {
            thread.join(30_000);
        }

        long[] handoffs = completeSent.entrySet().stream().mapToLong(e -> {
            int sep = e.getKey().lastIndexOf('/');
            Long held = leaseHeld.get(e.getKey().substring(0, sep) + "/" + (Integer.parseInt(e.getKey().substring(sep + 1)) + 1));
            return held == null ? -1 : held - e.getValue();
        }).filter(h -> h >= 0).sorted().toArray();
        double seconds = elapsedNanos / 1e9;
        System.out.printf("steps=%d seconds=%.3f steps_per_s=%.1f handoff_p50_ms=%.3f handoff_p99_ms=%.3f handoff_p999_ms=%.3f "
                        + "handoffs=%d errors=%d doubled=%d%n",
                completed.get(), seconds, completed.get() / seconds, pct(handoffs, 0.50), pct(handoffs, 0.99),
                pct(handoffs, 0.999), handoffs.length, errors.get(), doubled.get());
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] / 1e6;
    }

    static void agent(String id, String token, int total, CountDownLatch done) {
        Lease lease = null;
        long lastHeartbeat = System.nanoTime();
        while (completed.get() < total) {
            try {
                if (System.nanoTime() - lastHeartbeat > TimeUnit.SECONDS.toNanos(20)) {
                    post("/api/agents/" + id + "/heartbeat", token, "{\"workload\":1}");
                    lastHeartbeat = System.nanoTime();
                }
                if (lease == null) {
                    HttpResponse<String> r = post("/api/agents/" + id + "/lease?wait_seconds=1&max=1", token, null);
                    if (r.statusCode() == 204) {
                        continue;
                    }
                    if (r.statusCode() != 200) {
                        errors.incrementAndGet();
                        continue;
                    }
                    lease = held(Lease.parse(r.body()));
                }
                String key = lease.ritual() + "/" + lease.step();
                completeSent.put(key, System.nanoTime());
                HttpResponse<String> r = post("/api/rituals/" + lease.ritual() + "/steps/" + lease.step() + "/complete", token,
                        "{\"lease_token\":\"" + lease.token() + "\",\"lease_next\":true}");
                if (r.statusCode() != 200) {
                    errors.incrementAndGet();
                    if (r.statusCode() == 409 && r.body().contains("already completed")) {
                        doubled.incrementAndGet();
                    }
                    lease = null;
                    continue;
                }
                if (completed.incrementAndGet() >= total) {
                    done.countDown();
                }
                Matcher next = NEXT.matcher(r.body());
                lease = next.find() && !next.group(1).equals("null") ? held(Lease.parse(next.group(1))) : null;
            } catch (IOException | InterruptedException e) {
                errors.incrementAndGet();
                lease = null;
            }
        }
        done.countDown();
    }

    static Lease held(Lease lease) {
        if (lease != null) {
            leaseHeld.put(lease.ritual() + "/" + lease.step(), System.nanoTime());
        }
        return lease;
    }

    static HttpResponse<String> post(String path, String key, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key);
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.POST(HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

import java.io.IOException;
import java.net.URI;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * One key=value line per round (see main).
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

    static String host;
    static int port;
    static final AtomicLong errors = new AtomicLong();
    static final AtomicInteger completed = new AtomicInteger();
    static final AtomicInteger doubled = new AtomicInteger();
    /** When step n of a ritual was sent for completion, and when step n+1 was held. */
    static final Map<String, Long> completeSent = new ConcurrentHashMap<>();
    static final Map<String, Long> leaseHeld = new ConcurrentHashMap<>();

    /**
     * Usage: java Driver.java <base-url> <agent-key> <admin-key> <app-pid> <steps> <R>...
     * Runs three unreported warm-up rounds (R=200, R=50, then R=50 again after the tables' statistics are taken),
     * then one round per R (agents = min(R, 64)) with agents that do no work, then three waves of 10 rituals whose
     * agents work 10-30 ms per step, after three unreported ones (BENCH_UNSATURATED=0 leaves them out). One result
     * line per round, with the CPU per step of the service, of PostgreSQL (the cluster whose postmaster's pid is in
     * BENCH_PG_PID) and of this driver.
     */
    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        host = base.getHost();
        port = base.getPort();
        String agentKey = args[1];
        String adminKey = args[2];
        long appPid = Long.parseLong(args[3]);
        int steps = Integer.parseInt(args[4]);
        List<String[]> identities = register(agentKey, 64);
        // warm-up, 27,000 steps: the JIT compiles both sides' hot paths (after one round of 50 rituals the service
        // still ran its first R=200 round at about two thirds of its steady speed, compiling as it went)
        round(identities, adminKey, 200, steps, 0, 1);
        round(identities.subList(0, 50), adminKey, 50, steps, 0, 1);
        // Steady state: a running service's tables have the statistics autovacuum keeps, and its cached plans were
        // made with them. Rounds used to start from truncated tables, which left plans made for empty ones (a scan
        // of every step per completion) until autovacuum came by, in some rounds and not in others. The warm-up
        // round after the analysis makes every pooled connection plan again, as it would after autovacuum's.
        analyze();
        round(identities.subList(0, 50), adminKey, 50, steps, 0, 1);
        long driverPid = ProcessHandle.current().pid();
        long postmaster = Long.parseLong(System.getenv().getOrDefault("BENCH_PG_PID", "-1"));
        List<int[]> rounds = new ArrayList<>(); // {rituals, work ms, waves}
        for (int i = 5; i < args.length; i++) {
            rounds.add(new int[]{Integer.parseInt(args[i]), 0, 1});
        }
        if (!"0".equals(System.getenv("BENCH_UNSATURATED"))) {
            rounds.add(new int[]{10, UNSATURATED_WORK_MS, UNSATURATED_WAVES});
        }
        for (int[] spec : rounds) {
            if (spec[1] > 0) {
                // Short steps and long pauses take other paths through the service than the rounds before: the JIT
                // compiles them for seconds (a quarter of the service's CPU in a round without this warm-up). The
                // native image the service ships as compiles nothing at run time.
                round(identities.subList(0, spec[0]), adminKey, spec[0], steps, spec[1], spec[2]);
            }
            int rituals = spec[0];
            double app = cpuSeconds(appPid), driver = cpuSeconds(driverPid), pg = clusterCpuSeconds(postmaster);
            double machine = machineBusySeconds();
            String result = round(identities.subList(0, Math.min(rituals, 64)), adminKey, rituals, steps, spec[1], spec[2]);
            machine = machineBusySeconds() - machine;
            app = cpuSeconds(appPid) - app;
            driver = cpuSeconds(driverPid) - driver;
            pg = postmaster < 0 ? Double.NaN : clusterCpuSeconds(postmaster) - pg;
            int done = Math.max(1, completed.get());
            System.out.printf("R=%d agents=%d waves=%d work_ms=%s %s app_cpu_s=%.1f app_rss_mb=%d app_cpu_us_per_step=%.0f "
                            + "pg_cpu_us_per_step=%.0f driver_cpu_us_per_step=%.0f machine_cpu_us_per_step=%.0f%n", rituals,
                    Math.min(rituals, 64), spec[2], spec[1] == 0 ? "0" : (spec[1] / 2) + "-" + (spec[1] * 3 / 2), result, app,
                    rssMb(appPid), app * 1e6 / done, pg * 1e6 / done, driver * 1e6 / done, machine * 1e6 / done);
        }
    }

    static List<String[]> register(String agentKey, int agents) throws IOException {
        List<String[]> identities = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            String body = post("/api/agents", agentKey, "{\"name\":\"bench-" + i + "\"}").body();
            Matcher id = AGENT_ID.matcher(body), token = AGENT_TOKEN.matcher(body);
            if (!id.find() || !token.find()) {
                throw new IllegalStateException("registration failed: " + body);
            }
            identities.add(new String[]{id.group(1), token.group(1)});
        }
        return identities;
    }

    /**
     * R rituals of `steps` steps driven to completion by these agents, {@code waves} times over (the next wave starts
     * when the last one is done); returns the round's figures.
     */
    static String round(List<String[]> identities, String adminKey, int rituals, int steps, int workMs, int waves)
            throws Exception {
        int total = rituals * steps * waves;
        int round = ROUND.incrementAndGet();
        completed.set(0);
        errors.set(0);
        doubled.set(0);
        completeSent.clear();
        leaseHeld.clear();
        CountDownLatch done = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (String[] identity : identities) {
            post("/api/agents/" + identity[0] + "/heartbeat", identity[1], "{\"workload\":0}");
            Thread thread = new Thread(() -> agent(identity[0], identity[1], total, done, workMs, round));
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(200); // every agent is parked in its long-poll
        long started = System.nanoTime();
        for (int wave = 0; wave < waves; wave++) {
            while (completed.get() < wave * rituals * steps) {
                Thread.sleep(1);
            }
            for (int i = 0; i < rituals; i++) {
                Response r = post("/api/rituals", adminKey, "{\"steps\":" + steps + ",\"deadline_seconds\":3600}");
                if (r.statusCode() != 202) {
                    throw new IllegalStateException("start failed: " + r.body());
                }
            }
        }
        if (!done.await(600, TimeUnit.SECONDS)) {
            System.err.println("timed out with " + completed.get() + " of " + total + " steps");
        }
        long elapsedNanos = System.nanoTime() - started;
        for (Thread thread : threads) {
            thread.join(30_000);
            if (thread.isAlive()) { // it gives up when its request returns, and counts nothing in the next round
                System.err.println("an agent of round " + round + " is still waiting for an answer");
            }
        }
        long[] handoffs = completeSent.entrySet().stream().mapToLong(e -> {
            int sep = e.getKey().lastIndexOf('/');
            Long held = leaseHeld.get(e.getKey().substring(0, sep) + "/" + (Integer.parseInt(e.getKey().substring(sep + 1)) + 1));
            return held == null ? -1 : held - e.getValue();
        }).filter(h -> h >= 0).sorted().toArray();
        double seconds = elapsedNanos / 1e9;
        return String.format("steps=%d seconds=%.3f steps_per_s=%.1f handoff_p50_ms=%.3f handoff_p99_ms=%.3f "
                        + "handoff_p999_ms=%.3f handoffs=%d errors=%d doubled=%d",
                completed.get(), seconds, completed.get() / seconds, pct(handoffs, 0.50), pct(handoffs, 0.99),
                pct(handoffs, 0.999), handoffs.length, errors.get(), doubled.get());
    }

    /** The statistics autovacuum would have taken of the warm-up's rows; nothing is deleted between rounds. */
    static void analyze() throws Exception {
        Process psql = new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "helix", "-d",
                System.getenv().getOrDefault("BENCH_DB", "helix_bench"), "-q", "-c", "vacuum analyze")
                .redirectErrorStream(true).start();
        psql.getInputStream().readAllBytes();
        psql.waitFor();
    }

    static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

    /** utime, stime, cutime, cstime of a process from /proc, in ticks; zeros when it is gone. */
    static long[] times(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            // the command name may hold spaces: the fields that follow start after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[]{Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
        } catch (IOException | RuntimeException gone) {
            return new long[4];
        }
    }

    static double cpuSeconds(long pid) {
        long[] t = times(pid);
        return (t[0] + t[1]) / TICKS_PER_SECOND;
    }

    /**
     * The whole PostgreSQL cluster's CPU so far: the postmaster, every live child (backends, autovacuum, WAL writer,
     * checkpointer, ...), and the children that have exited, which the postmaster has reaped into its cumulative
     * children times. The difference of two readings is the cluster's CPU in between, backends that started or
     * ended in between included, and nothing of another cluster on the machine. (Same method in
     * bench/dbscheduler/src/main/java/org/helix/bench/DbSchedulerBench.java.)
     */
    static double clusterCpuSeconds(long postmaster) {
        long[] pm = times(postmaster);
        long ticks = pm[0] + pm[1] + pm[2] + pm[3];
        for (ProcessHandle child : ProcessHandle.of(postmaster).map(p -> p.children().toList()).orElse(List.of())) {
            long[] t = times(child.pid());
            ticks += t[0] + t[1];
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** CPU time the whole machine has spent busy so far (all cores; /proc/stat: everything but idle and iowait). */
    static double machineBusySeconds() {
        try {
            String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[]{1, 2, 3, 6, 7}) { // user nice system irq softirq (not steal: another guest's)
                busy += Long.parseLong(f[i]);
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException unreadable) {
            return Double.NaN;
        }
    }

    static long rssMb(long pid) throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] / 1e6;
    }

    /**
     * The unsaturated round's mean work per step. Agents that really work finish at different moments; work of one
     * fixed length would keep all ten in step, and every step would then meet the other nine at once.
     */
    static final int UNSATURATED_WORK_MS = Integer.parseInt(System.getenv().getOrDefault("BENCH_UNSATURATED_WORK_MS", "20"));
    /** 1,080 handoffs make a thin p99: the unsaturated round runs its 10 rituals this many times over. */
    static final int UNSATURATED_WAVES = Integer.parseInt(System.getenv().getOrDefault("BENCH_UNSATURATED_WAVES", "3"));

    /**
     * BENCH_SLOW_MS: every handoff slower than that is printed with the time of day, to lay beside a profile of the
     * machine (e.g. perf record -k CLOCK_REALTIME -a) and see what ran while it waited.
     */
    static final long SLOW_NANOS = Long.parseLong(System.getenv().getOrDefault("BENCH_SLOW_MS", "0")) * 1_000_000L;

    /** The round the agents work for; an agent of an earlier one stops. */
    static final AtomicInteger ROUND = new AtomicInteger();

    static void agent(String id, String token, int total, CountDownLatch done, int workMs, int round) {
        Lease lease = null;
        long lastHeartbeat = System.nanoTime();
        while (completed.get() < total && ROUND.get() == round) {
            try {
                if (System.nanoTime() - lastHeartbeat > TimeUnit.SECONDS.toNanos(20)) {
                    post("/api/agents/" + id + "/heartbeat", token, "{\"workload\":1}");
                    lastHeartbeat = System.nanoTime();
                }
                if (lease == null) {
                    Response r = post("/api/agents/" + id + "/lease?wait_seconds=1&max=1", token, null);
                    if (r.statusCode() == 204) {
                        continue;
                    }
                    if (r.statusCode() != 200) {
                        errors.incrementAndGet();
                        continue;
                    }
                    lease = held(Lease.parse(r.body()));
                }
                if (workMs > 0) { // uniform in [workMs / 2, workMs * 3 / 2]
                    Thread.sleep(workMs / 2 + java.util.concurrent.ThreadLocalRandom.current().nextInt(workMs + 1));
                }
                String key = lease.ritual() + "/" + lease.step();
                completeSent.put(key, System.nanoTime());
                Response r = post("/api/rituals/" + lease.ritual() + "/steps/" + lease.step() + "/complete", token,
                        "{\"lease_token\":\"" + lease.token() + "\",\"lease_next\":true}");
                if (r.statusCode() != 200) {
                    errors.incrementAndGet();
                    if (r.statusCode() == 409 && r.body().contains("already completed")) {
                        doubled.incrementAndGet();
                    }
                    lease = null;
                    continue;
                }
                long handoff = System.nanoTime() - completeSent.get(key);
                if (SLOW_NANOS > 0 && handoff > SLOW_NANOS) {
                    System.err.printf("slow handoff at %s: %.1f ms, %s%n", java.time.LocalTime.now(), handoff / 1e6, key);
                }
                if (completed.incrementAndGet() >= total) {
                    done.countDown();
                }
                Matcher next = NEXT.matcher(r.body());
                lease = next.find() && !next.group(1).equals("null") ? held(Lease.parse(next.group(1))) : null;
            } catch (IOException e) {
                errors.incrementAndGet();
                lease = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
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

    /** A response: status and body. */
    record Response(int statusCode, String body) {
    }

    /**
     * A deliberately small HTTP/1.1 client: one keep-alive connection per agent thread, TCP_NODELAY, one
     * request at a time. It costs the machine little CPU, so the service and PostgreSQL get the cores.
     */
    static final class Connection {
        private Socket socket;
        private BufferedInputStream in;
        private OutputStream out;

        Response post(String path, String key, String body) throws IOException {
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: Bearer " + key
                    + "\r\n" + (body == null ? "" : "Content-Type: application/json\r\n")
                    + "Content-Length: " + payload.length + "\r\n\r\n";
            for (int attempt = 0; ; attempt++) {
                try {
                    if (socket == null) {
                        socket = new Socket(host, port);
                        socket.setTcpNoDelay(true);
                        socket.setSoTimeout(60_000);
                        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                        out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                    }
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.write(payload);
                    out.flush();
                    return read();
                } catch (IOException e) {
                    close();
                    if (attempt > 0) {
                        throw e;
                    }
                }
            }
        }

        private Response read() throws IOException {
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            int length = 0;
            boolean close = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Integer.parseInt(header.substring(colon + 1).trim());
                } else if (name.equalsIgnoreCase("connection") && header.toLowerCase().contains("close")) {
                    close = true;
                }
            }
            byte[] body = in.readNBytes(length);
            if (close) {
                close();
            }
            return new Response(code, new String(body, StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // gone already
            }
            socket = null;
        }
    }

    static final ThreadLocal<Connection> CONNECTION = ThreadLocal.withInitial(Connection::new);

    static Response post(String path, String key, String body) throws IOException {
        return CONNECTION.get().post(path, key, body);
    }
}

package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker for the Helix service: registers, heartbeats, long-polls for steps on {@code concurrency} threads,
 * runs the {@link StepHandler} and reports each result, until {@link #stop(Duration)}.
 *
 * <pre>{@code
 * HelixAgent agent = HelixAgent.builder().url("http://localhost:8080").apiKey(key).name("echo")
 *         .handler(step -> Map.of("echo", step.mantra()))
 *         .start();
 * ...
 * agent.stop(Duration.ofSeconds(20));
 * }</pre>
 *
 * What it does for the handler: the heartbeat at the interval the service advises; leases revoked in a
 * heartbeat's {@code revoked[]}, or answered 409, cancel the running handler and its result is dropped; step
 * heartbeats every third of the ritual's {@code heartbeat_timeout_seconds} while a handler runs; completions
 * ask for the next lease ({@code lease_next}); connection errors, 5xx, 503 and 429 are retried with jittered
 * backoff that honours {@code Retry-After}; when the service ends the agent's epoch (an operator's reinit) it
 * registers again. {@code stop} takes no new work, lets the work in hand finish and report within the grace
 * period, then deregisters, which hands any lease still held back to the service at once.
 *
 * <p>Its threads are daemons, so that a handler that ignores its cancellation cannot keep a process alive:
 * a program whose main thread has nothing else to do waits for {@code stop} (see examples/java/EchoAgent.java).
 */
public final class HelixAgent implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HelixAgent.class.getName());
    private static final Map<String, AtomicInteger> NAMES_IN_THIS_PROCESS = new ConcurrentHashMap<>();

    /** One registration: the agent's identity until the service ends its epoch. */
    record Session(UUID agentId, String token, int epoch, Duration heartbeatInterval) {
    }

    private final Builder config;
    private final String instanceName;
    private final Api api;
    private final Beats beats;
    private final Map<Lease.Key, StepRun> running = new ConcurrentHashMap<>();
    private final List<Slot> slots = new ArrayList<>();
    private final Object lifecycle = new Object();
    private final Object sessionLock = new Object();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Session session;
    private volatile boolean started;
    private volatile boolean stopping;
    private volatile long stopDeadline = Long.MAX_VALUE;

    private HelixAgent(Builder config) {
        this.config = config;
        this.instanceName = config.instanceName != null ? config.instanceName : uniqueInstanceName(config.name);
        AgentListener listener = config.listener;
        this.api = new Api(config.httpClient != null ? config.httpClient : Api.defaultClient(), config.url,
                config.requestTimeout, listener::onAnswer);
        this.beats = new Beats(this, api, config.backoff, instanceName);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The name this process registered under (by default the configured name, the host and the process id). */
    public String instanceName() {
        return instanceName;
    }

    /** The agent's id at the service; null before {@link #start()}. */
    public UUID agentId() {
        Session s = session;
        return s == null ? null : s.agentId();
    }

    /** How many handlers are running now. */
    public int busy() {
        return running.size();
    }

    /** The share of its concurrency at work now, 0..1: what the service means by {@code workload}. */
    public double workload() {
        return Math.min(1.0, (double) running.size() / config.concurrency);
    }

    /**
     * Registers (retrying while the service cannot be reached, up to the start timeout), then starts the
     * heartbeat and the long-polls. Throws {@link HelixException} when the service refuses the key or the name.
     */
    public HelixAgent start() {
        synchronized (lifecycle) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
        }
        try {
            session = register(System.nanoTime() + config.startTimeout.toNanos());
        } catch (HelixException e) {
            synchronized (lifecycle) {
                started = false;
            }
            throw e;
        }
        beats.start(session.heartbeatInterval());
        for (int i = 0; i < config.concurrency; i++) {
            Slot slot = new Slot("helix-worker-" + instanceName + "-" + i);
            slots.add(slot);
            slot.thread.start();
        }
        return this;
    }

    /**
     * Stops taking work; handlers still running get until {@code grace} to finish and report, then are
     * cancelled; then the agent deregisters, which gives back to the service at once any lease it still holds.
     * Returns when all that is done (a second call waits for the first).
     */
    public void stop(Duration grace) {
        synchronized (lifecycle) {
            if (!started || stopping) {
                if (started) {
                    awaitQuietly(stopped, Duration.ofDays(1));
                }
                return;
            }
            stopping = true;
            stopDeadline = System.nanoTime() + grace.toNanos();
        }
        stopSignal.countDown();
        slots.forEach(Slot::interruptIfIdle);
        joinSlots(stopDeadline);
        for (StepRun run : running.values()) {
            if (run.cancel("the agent is stopping")) {
                LOG.log(Level.WARNING, "step {0} still running at the end of the grace period: cancelled", run);
            }
        }
        joinSlots(System.nanoTime() + Duration.ofMillis(500).toNanos());
        beats.stop(config.requestTimeout);
        deregister();
        stopped.countDown();
    }

    /** {@link #stop(Duration)} with the configured stop timeout. */
    @Override
    public void close() {
        stop(config.stopTimeout);
    }

    Session session() {
        return session;
    }

    StepRun running(Lease.Key key) {
        return running.get(key);
    }

    // --- registration ---

    private Session register(long deadline) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", instanceName);
        putIfSet(body, "symbol", config.symbol);
        putIfSet(body, "role", config.role);
        putIfSet(body, "layer", config.layer);
        putIfSet(body, "capabilities", config.capabilities);
        for (int attempt = 1; ; attempt++) {
            Api.Reply reply = null;
            String problem;
            try {
                reply = api.post("/api/agents", config.apiKey, body);
                if (reply.ok()) {
                    JsonNode r = reply.body();
                    Session s = new Session(UUID.fromString(r.path("agent_id").asText()), r.path("token").asText(),
                            r.path("epoch").asInt(0), Beats.seconds(r.path("heartbeat_interval_seconds"), Duration.ofSeconds(30)));
                    LOG.log(Level.INFO, "registered as {0} (agent {1}, epoch {2})", instanceName, s.agentId(), s.epoch());
                    config.listener.onRegistered(instanceName, s.agentId(), s.epoch());
                    return s;
                }
                if (!reply.retryable()) {
                    throw refused(reply);
                }
                problem = reply.detail();
            } catch (IOException e) {
                problem = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HelixException(0, "interrupted while registering");
            }
            Duration wait = config.backoff.delay(attempt, reply == null ? null : reply.retryAfter());
            if (stopping || System.nanoTime() + wait.toNanos() > deadline) {
                throw new HelixException(reply == null ? 0 : reply.status(),
                        "could not register " + instanceName + " at " + config.url + ": " + problem);
            }
            LOG.log(Level.WARNING, "registration failed ({0}); trying again in {1} ms", problem, String.valueOf(wait.toMillis()));
            pause(wait);
        }
    }

    private HelixException refused(Api.Reply reply) {
        String why = switch (reply.status()) {
            case 401 -> "the service does not know this API key";
            case 403 -> "this API key may not register agents: an agent needs a key with role 'agent' (or 'admin'); "
                    + "a key with role 'rituals' is refused";
            case 400 -> "the registration was refused (an agent name is 1-64 letters, digits, '_', '.' or '-')";
            default -> "the registration was refused";
        };
        return new HelixException(reply.status(), why + " [" + reply.detail() + "]");
    }

    /**
     * The service no longer accepts this session's token: an operator reinitialised the agent, or another
     * process registered under the same name. Its leases are gone; register again (once, whoever asks first).
     */
    void renew(Session lost, String why) {
        synchronized (sessionLock) {
            if (session != lost || stopping) {
                return;
            }
            LOG.log(Level.WARNING, "the service ended epoch {0} of {1} ({2}); registering again. If another process "
                    + "uses the name {1}, the two will keep evicting each other: give each its own name", lost.epoch(),
                    instanceName, why);
            for (StepRun run : running.values()) {
                if (run.session == lost) {
                    run.cancel("the agent's epoch ended");
                }
            }
            while (!stopping) {
                try {
                    session = register(System.nanoTime() + config.startTimeout.toNanos());
                    // parked long-polls of the old epoch can never be given work: ask again as the new one
                    slots.forEach(Slot::interruptIfIdle);
                    return;
                } catch (HelixException e) {
                    if (e.refused()) {
                        LOG.log(Level.ERROR, "cannot register again; the agent stops: {0}", e.getMessage());
                        Thread stopper = new Thread(() -> stop(Duration.ZERO), "helix-stop-" + instanceName);
                        stopper.setDaemon(true);
                        stopper.start();
                        return;
                    }
                }
            }
        }
    }

    private void deregister() {
        Session s = session;
        for (int attempt = 1; ; attempt++) {
            try {
                Api.Reply reply = api.post("/api/agents/" + s.agentId() + "/deregister", s.token(), null);
                if (reply.ok() || reply.status() == 401) {
                    // 401: the epoch was already over, its leases already returned
                    LOG.log(Level.INFO, "{0} deregistered", instanceName);
                    config.listener.onDeregistered();
                    return;
                }
                if (!reply.retryable()) {
                    LOG.log(Level.ERROR, "deregistration refused: {0}", reply.detail());
                    return;
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "deregistration failed: {0}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Duration wait = config.backoff.delay(attempt, (Duration) null);
            if (System.nanoTime() + wait.toNanos() > stopDeadline) {
                LOG.log(Level.WARNING, "could not deregister {0}; the service will find it offline", instanceName);
                return;
            }
            sleepQuietly(wait);
        }
    }

    // --- leasing and running steps ---

    /** One long-poll and the handler it feeds, on its own thread. */
    private final class Slot implements Runnable {
        final Thread thread;
        private final Object lock = new Object();
        private boolean busy;

        Slot(String name) {
            thread = new Thread(this, name);
            // a handler that ignores its cancellation must not keep the process alive after stop()
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (!stopping) {
                for (Lease lease : poll()) {
                    Lease next = lease;
                    while (next != null && takeUp(next)) {
                        next = work(next);
                    }
                    synchronized (lock) {
                        busy = false;
                    }
                }
            }
        }

        /** From polling to working, unless the agent is stopping: then the lease is left to the deregistration. */
        private boolean takeUp(Lease lease) {
            synchronized (lock) {
                Thread.interrupted();
                if (stopping) {
                    LOG.log(Level.INFO, "stopping: step {0} goes back to the service", lease);
                    return false;
                }
                busy = true;
                return true;
            }
        }

        /** Ends a parked long-poll or a backoff; never a running handler. */
        void interruptIfIdle() {
            synchronized (lock) {
                if (!busy) {
                    thread.interrupt();
                }
            }
        }
    }

    private List<Lease> poll() {
        for (int attempt = 1; !stopping; attempt++) {
            Session s = session;
            Api.Reply reply;
            try {
                reply = api.post("/api/agents/" + s.agentId() + "/lease?wait_seconds=" + config.waitSeconds + "&max=1",
                        s.token(), null, Duration.ofSeconds(config.waitSeconds).plus(config.requestTimeout));
            } catch (IOException e) {
                if (!stopping) {
                    Duration wait = config.backoff.delay(attempt, (Duration) null);
                    LOG.log(Level.WARNING, "lease failed ({0}); trying again in {1} ms", e.toString(), String.valueOf(wait.toMillis()));
                    pause(wait);
                }
                continue;
            } catch (InterruptedException e) {
                return List.of();
            }
            if (reply.status() == 204) {
                return List.of();
            }
            if (reply.status() == 200) {
                List<Lease> leases = new ArrayList<>();
                reply.body().path("leases").forEach(json -> leases.add(Lease.of(json)));
                return leases;
            }
            if (reply.status() == 401) {
                renew(s, "lease answered " + reply.detail());
                attempt = 0;
                continue;
            }
            Duration wait = config.backoff.delay(attempt, reply.retryAfter());
            if (!reply.retryable()) {
                LOG.log(Level.ERROR, "lease refused: {0}", reply.detail());
            }
            pause(wait);
        }
        return List.of();
    }

    /** Runs the handler on one lease and reports; returns the next lease the service chained, or null. */
    private Lease work(Lease lease) {
        StepRun run = new StepRun(lease, session, beats::progressReported);
        running.put(lease.key(), run);
        try {
            beats.started(run);
            Object output = null;
            Throwable thrown = null;
            run.begin();
            try {
                output = config.handler.handle(run);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                thrown = t;
            } finally {
                run.end();
                beats.finished(run);
            }
            if (run.isCancelled()) {
                dropped(run, run.cancelReason());
                return null;
            }
            if (thrown != null) {
                boolean retryable = !(thrown instanceof StepFailure failure) || failure.retryable();
                String error = thrown instanceof StepFailure ? thrown.getMessage() : thrown.toString();
                fail(run, error, retryable);
                return null;
            }
            return complete(run, output);
        } finally {
            running.remove(lease.key(), run);
        }
    }

    private Lease complete(StepRun run, Object output) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("lease_token", run.lease.token().toString());
        if (output != null) {
            JsonNode tree;
            try {
                tree = Api.JSON.valueToTree(output);
            } catch (IllegalArgumentException e) {
                fail(run, "the handler's output cannot be written as JSON: " + e.getMessage(), false);
                return null;
            }
            if (!(tree instanceof ObjectNode)) {
                fail(run, "the handler's output must be a JSON object, was " + tree.getNodeType(), false);
                return null;
            }
            body.put("output", tree);
        }
        if (config.leaseNext && !stopping) {
            body.put("lease_next", true);
        }
        Api.Reply reply = report(run, "complete", body);
        if (reply == null) {
            return null;
        }
        if (reply.ok()) {
            config.listener.onCompleted(run);
            JsonNode next = reply.body().path("next_lease");
            return next.isObject() ? Lease.of(next) : null;
        }
        if (reply.status() == 400) {
            fail(run, "the service refused the output: " + reply.detail(), false);
            return null;
        }
        lost(run, "complete", reply);
        return null;
    }

    private void fail(StepRun run, String error, boolean retryable) {
        String message = error == null || error.isBlank() ? "failed" : error;
        if (message.length() > 2000) {
            message = message.substring(0, 2000);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("lease_token", run.lease.token().toString());
        body.put("error", message);
        body.put("retryable", retryable);
        Api.Reply reply = report(run, "fail", body);
        if (reply == null) {
            return;
        }
        if (reply.ok()) {
            LOG.log(Level.INFO, "step {0} failed ({1}): {2}", run, retryable ? "retryable" : "not retryable", message);
            config.listener.onFailed(run, message, retryable);
        } else {
            lost(run, "fail", reply);
        }
    }

    private void lost(StepRun run, String what, Api.Reply reply) {
        if (reply.status() == 401) {
            renew(run.session, what + " answered " + reply.detail());
        }
        dropped(run, what + " answered " + reply.detail());
    }

    /**
     * Sends a completion or failure, again after connection errors and 5xx (the result is kept meanwhile),
     * until an answer, the lease's cancellation, or the end of the stop's grace period. Null when given up.
     */
    private Api.Reply report(StepRun run, String what, Map<String, Object> body) {
        String path = "/api/rituals/" + run.ritualId() + "/steps/" + run.step() + "/" + what;
        for (int attempt = 1; ; attempt++) {
            Api.Reply reply = null;
            String problem;
            try {
                reply = api.post(path, run.session.token(), body);
                if (!reply.retryable()) {
                    return reply;
                }
                problem = reply.detail();
            } catch (IOException e) {
                problem = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = "interrupted";
            }
            if (run.isCancelled() || Thread.currentThread().isInterrupted()) {
                dropped(run, run.isCancelled() ? run.cancelReason() : what + " interrupted");
                return null;
            }
            Duration wait = config.backoff.delay(attempt, reply == null ? null : reply.retryAfter());
            long left = stopDeadline - System.nanoTime();
            if (left <= 0) {
                dropped(run, what + " not delivered before the stop deadline (" + problem + ")");
                return null;
            }
            LOG.log(Level.WARNING, "{0} of {1} failed ({2}); trying again in {3} ms", what, run, problem, String.valueOf(wait.toMillis()));
            sleepQuietly(Duration.ofNanos(Math.min(wait.toNanos(), left)));
        }
    }

    private void dropped(StepRun run, String reason) {
        LOG.log(Level.INFO, "result of step {0} dropped: {1}", run, reason);
        config.listener.onDropped(run, reason);
    }

    // --- helpers ---

    /** Waits, or less if the agent starts stopping. */
    private void pause(Duration wait) {
        awaitQuietly(stopSignal, wait);
    }

    private void joinSlots(long deadline) {
        for (Slot slot : slots) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    slot.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch, Duration wait) {
        try {
            latch.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(Duration wait) {
        try {
            Thread.sleep(Math.max(0, wait.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void putIfSet(Map<String, Object> body, String field, Object value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    private static String uniqueInstanceName(String name) {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "host";
            }
        }
        String base = name + "|" + host;
        int nth = NAMES_IN_THIS_PROCESS.computeIfAbsent(base, b -> new AtomicInteger()).incrementAndGet();
        return instanceName(name, host, ProcessHandle.current().pid(), nth);
    }

    /**
     * {@code name-host-pid} (and {@code -n} for the n-th agent of that name in one process), within the
     * service's rule for names: 1-64 letters, digits, '_', '.' or '-'. The host is shortened to its first label
     * and cut to fit. Two replicas of one worker so never evict each other.
     */
    static String instanceName(String name, String host, long pid, int nth) {
        String shortHost = host.split("\\.", 2)[0].replaceAll("[^A-Za-z0-9_.-]", "-");
        String tail = "-" + pid + (nth > 1 ? "-" + nth : "");
        int room = 64 - name.length() - tail.length() - 1;
        if (room <= 0) {
            return (name.length() + tail.length() > 64 ? name.substring(0, 64 - tail.length()) : name) + tail;
        }
        String hostPart = shortHost.isEmpty() ? "" : "-" + shortHost.substring(0, Math.min(room, shortHost.length()));
        return name + hostPart + tail;
    }

    /** Configuration; {@link #url}, {@link #apiKey}, {@link #name} and {@link #handler} are required. */
    public static final class Builder {
        private String url;
        private String apiKey;
        private String name;
        private String instanceName;
        private String symbol;
        private String role;
        private String layer;
        private List<String> capabilities;
        private StepHandler handler;
        private AgentListener listener = new AgentListener() {
        };
        private int concurrency = 1;
        private int waitSeconds = 20;
        private boolean leaseNext = true;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private HttpClient httpClient;

        private Builder() {
        }

        /** {@code HELIX_URL}, {@code HELIX_KEY} and {@code HELIX_AGENT_NAME} from the environment, where set. */
        public Builder fromEnvironment() {
            String u = System.getenv("HELIX_URL");
            String k = System.getenv("HELIX_KEY");
            String n = System.getenv("HELIX_AGENT_NAME");
            if (u != null) {
                url = u;
            }
            if (k != null) {
                apiKey = k;
            }
            if (n != null) {
                name = n;
            }
            return this;
        }

        /** The service's base URL, e.g. {@code http://localhost:8080}. */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        /** An API key with role {@code agent} (or {@code admin}); a {@code rituals} key is refused (403). */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** The worker's name; the registered name adds the host and process id unless {@link #instanceName} is set. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * The exact name to register under. Two processes registered under one name evict each other (each
         * registration starts a new epoch and the other's leases are lost), so give each process its own.
         */
        public Builder instanceName(String instanceName) {
            this.instanceName = instanceName;
            return this;
        }

        public Builder symbol(String symbol) {
            this.symbol = symbol;
            return this;
        }

        public Builder role(String role) {
            this.role = role;
            return this;
        }

        public Builder layer(String layer) {
            this.layer = layer;
            return this;
        }

        public Builder capabilities(List<String> capabilities) {
            this.capabilities = List.copyOf(capabilities);
            return this;
        }

        public Builder handler(StepHandler handler) {
            this.handler = handler;
            return this;
        }

        public Builder listener(AgentListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** How many steps this agent works on at once: that many concurrent long-polls (default 1). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1");
            }
            this.concurrency = concurrency;
            return this;
        }

        /** How long one long-poll waits for work at the service (default 20 s; the service allows up to 30). */
        public Builder waitSeconds(int waitSeconds) {
            if (waitSeconds < 0) {
                throw new IllegalArgumentException("waitSeconds must not be negative");
            }
            this.waitSeconds = waitSeconds;
            return this;
        }

        /** Ask for the next step in each completion's answer (default true), saving a round trip per step. */
        public Builder leaseNext(boolean leaseNext) {
            this.leaseNext = leaseNext;
            return this;
        }

        public Builder backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff);
            return this;
        }

        /** Bound on every call but the long-poll, which gets its wait on top (default 10 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout);
            return this;
        }

        /** How long {@link HelixAgent#start()} keeps trying to register while the service is unreachable (default 60 s). */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout);
            return this;
        }

        /** The grace period of {@link HelixAgent#close()} (default 30 s). */
        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = Objects.requireNonNull(stopTimeout);
            return this;
        }

        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        public HelixAgent build() {
            requireSet(url, "url (HELIX_URL)");
            requireSet(apiKey, "apiKey (HELIX_KEY)");
            if (instanceName == null) {
                requireSet(name, "name (HELIX_AGENT_NAME)");
            }
            Objects.requireNonNull(handler, "handler");
            return new HelixAgent(this);
        }

        /** {@link #build()} and {@link HelixAgent#start()}. */
        public HelixAgent start() {
            return build().start();
        }

        private static void requireSet(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(what + " is required");
            }
        }
    }
}

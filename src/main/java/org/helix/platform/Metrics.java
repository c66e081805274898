package org.helix.platform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The service's metrics, named for the domain ({@code helix_*} on /q/metrics). Counters and timers are
 * recorded where things happen; gauges read values the sweeps keep current, so a scrape never queries the
 * database.
 */
@ApplicationScoped
public class Metrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private final Timer leaseWait;
    private final Timer handoff;
    private final Counter stepsCompleted;
    private final Counter ritualsStarted;
    private final Counter attemptsFailed;
    private final Map<String, Counter> tagged = new ConcurrentHashMap<>();

    public Metrics(MeterRegistry registry) {
        this.registry = registry;
        this.leaseWait = Timer.builder("helix.lease.wait").description("Time a lease request waited until it got work")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        this.handoff = Timer.builder("helix.step.handoff")
                .description("From a step's completion to the lease of the next step (0 with eager dispatch)")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        this.stepsCompleted = Counter.builder("helix.steps.completed").description("Steps completed").register(registry);
        this.ritualsStarted = Counter.builder("helix.rituals.started").description("Rituals accepted").register(registry);
        this.attemptsFailed = Counter.builder("helix.attempts.failed").description("Step attempts reported failed by agents")
                .register(registry);
        // tagged counters exist from the start at 0, so that rate() and the alert rules in k8s/monitoring see their
        // first increment instead of a series that appears out of nowhere
        List.of("COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED").forEach(status -> ritualsFinished(status, 0));
        List.of("timeout", "heartbeat_timeout", "agent_offline", "re_registered", "deregistered", "operator", "ritual_ended")
                .forEach(reason -> leasesRevoked(reason, 0));
    }

    public void ritualStarted() {
        ritualsStarted.increment();
    }

    /** COMPLETED, FAILED, TIMED_OUT or CANCELLED. */
    public void ritualsFinished(String status, int count) {
        counter("helix.rituals.finished", "Rituals that ended, by final status", "status", status).increment(count);
    }

    public void stepCompleted(Duration handoffToNext) {
        stepsCompleted.increment();
        if (handoffToNext != null) {
            handoff.record(handoffToNext);
        }
    }

    public void handoff(Duration duration) {
        handoff.record(duration);
    }

    public void leaseWaited(Duration waited) {
        leaseWait.record(waited);
    }

    /** timeout, heartbeat_timeout, agent_offline, re_registered, deregistered, operator, ritual_ended */
    public void leasesRevoked(String reason, int count) {
        counter("helix.leases.revoked", "Leases taken back, by reason", "reason", reason).increment(count);
    }

    /** Rows the retention purge deleted: rituals, steps, events, revocations, idempotency_keys, agents, audit, ucf_history. */
    public void purged(String kind, long count) {
        counter("helix.retention.purged", "Rows deleted by the retention purge, by kind", "kind", kind).increment(count);
    }

    public void attemptsFailed(int count) {
        if (count > 0) {
            attemptsFailed.increment(count);
        }
    }

    private Counter counter(String name, String description, String tagKey, String tagValue) {
        return tagged.computeIfAbsent(name + "|" + tagValue, k -> Counter.builder(name).description(description)
                .tag(tagKey, tagValue).register(registry));
    }

    /** A gauge whose value is set by whoever knows it (a sweep), e.g. {@code helix.agents} with status=ONLINE. */
    public void set(String name, String description, String tagKey, String tagValue, long value) {
        String key = name + "|" + tagKey + "|" + tagValue;
        gauges.computeIfAbsent(key, k -> {
            AtomicLong holder = new AtomicLong();
            Gauge.Builder<AtomicLong> builder = Gauge.builder(name, holder, AtomicLong::get).description(description);
            if (tagKey != null) {
                builder.tag(tagKey, tagValue);
            }
            builder.register(registry);
            return holder;
        }).set(value);
    }

    /** A gauge read from memory at each scrape (held strongly: a weakly held supplier would be collected, then NaN). */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }
}

package org.helix.rituals;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.helix.events.EventLog;
import org.helix.platform.ClusterSignals;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.Periodic;
import org.helix.platform.SweepsDisabled;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;

import static org.helix.platform.Time.ts;

/**
 * The clock's side of the ritual engine, once per {@code helix.sweep.interval}: expired leases become lost
 * attempts (reason {@code timeout}), rituals past their deadline become TIMED_OUT, and long-polling agents are
 * woken for steps whose backoff just ended. Each is one bounded set-based statement with SKIP LOCKED, so
 * replicas sweeping at the same moment share the work instead of doing it twice.
 */
@ApplicationScoped
public class Sweeps {

    private static final Logger LOG = Logger.getLogger(Sweeps.class);
    /** A sweep keeps going while batches come back full, but yields the pool after this many. */
    private static final int MAX_BATCHES = 10;

    public record Outcome(int timedOutLeases, int timedOutRituals) {
    }

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final RitualStore store;
    private final LeaseWaiters waiters;
    private final EventLog events;
    private final ClusterSignals signals;
    private volatile Instant lastNudge;

    public Sweeps(Db db, Clock clock, HelixConfig config, RitualStore store, LeaseWaiters waiters, EventLog events,
                  ClusterSignals signals) {
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.store = store;
        this.waiters = waiters;
        this.events = events;
        this.signals = signals;
    }

    void start(@Observes StartupEvent event, Periodic periodic) {
        periodic.every(config.sweep().interval(), "ritual sweep", () -> signals.announce().flatMap(ignored -> sweep()));
    }

    /**
     * Forgets what nobody can ask for any more: idempotency keys past their window, and revocations older
     * than the event retention (their agent never came back to hear of them).
     */
    @Scheduled(every = "60s", delayed = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = SweepsDisabled.class)
    Uni<Void> forget() {
        Instant now = clock.instant();
        return db.query("delete from idempotency_key where created_at < $1",
                        Tuple.of(ts(now.minus(config.ritual().idempotencyWindow()))))
                .flatMap(ignored -> db.query("delete from lease_revocation where revoked_at < $1",
                        Tuple.of(ts(now.minus(config.events().retention())))))
                .onFailure().invoke(e -> LOG.warnf("forgetting old keys and revocations failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public Uni<Outcome> sweep() {
        return timedOut(0, 0, false).flatMap(expired -> timedOut(0, expired, true)).flatMap(leases -> deadlines(0, 0)
                .flatMap(rituals -> store.release(clock.instant(), config.sweep().batchSize())
                        .flatMap(ignored -> nudge()).replaceWith(new Outcome(leases, rituals))));
    }

    /** Leases past their hard timeout or, with {@code heartbeats}, past their step heartbeat: lost attempts. */
    private Uni<Integer> timedOut(int batches, int total, boolean heartbeats) {
        int batch = config.sweep().batchSize();
        Instant now = clock.instant();
        Uni<java.util.List<RitualStore.Lost>> lose = heartbeats
                ? store.lose(new RitualStore.HeartbeatMissed(now, batch), LostAttempt.Cause.HEARTBEAT_TIMEOUT, null, true, now)
                : store.lose(new RitualStore.Expired(now, batch), LostAttempt.Cause.TIMEOUT, null, true, now);
        return lose.flatMap(lost -> {
            if (!lost.isEmpty()) {
                events.committed();
                waiters.ready(lost);
                LOG.debugf("%d lease(s) lost to %s", lost.size(), heartbeats ? "missed heartbeats" : "their timeout");
            }
            return lost.size() == batch && batches + 1 < MAX_BATCHES
                    ? timedOut(batches + 1, total + lost.size(), heartbeats)
                    : Uni.createFrom().item(total + lost.size());
        });
    }

    private Uni<Integer> deadlines(int batches, int total) {
        int batch = config.sweep().batchSize();
        return store.timeOut(batch, clock.instant())
                .flatMap(ended -> {
                    if (!ended.isEmpty()) {
                        events.committed();
                        LOG.infof("%d ritual(s) timed out", ended.size());
                    }
                    return ended.size() == batch && batches + 1 < MAX_BATCHES
                            ? deadlines(batches + 1, total + ended.size())
                            : Uni.createFrom().item(total + ended.size());
                });
    }

    /**
     * Steps that became leasable since the last sweep without anyone being told — a backoff that ended, a
     * preference for another agent that lapsed — wake as many waiting agents.
     */
    private Uni<Void> nudge() {
        Instant now = clock.instant();
        Instant since = lastNudge == null ? now.minus(config.sweep().interval()) : lastNudge;
        lastNudge = now;
        if (waiters.waiting() == 0) {
            return Uni.createFrom().voidItem();
        }
        long preferMillis = config.retry().preferOtherAgentFor().toMillis();
        return db.query("""
                        select r.participants, count(*) as due from step s join ritual r on r.id = s.ritual_id
                        where s.status = 'READY' and s.attempt > 0 and s.ready_at <= $2
                          and (s.ready_at > $1 or (s.avoid_agent_id is not null
                               and s.ready_at + $3::bigint * interval '1 millisecond' > $1
                               and s.ready_at + $3::bigint * interval '1 millisecond' <= $2))
                        group by r.participants""",
                        Tuple.of(ts(since), ts(now), preferMillis))
                .invoke(rows -> rows.forEach(row -> waiters.wake(Arrays.asList(row.getArrayOfStrings("participants")),
                        (int) Math.min(row.getLong("due"), Integer.MAX_VALUE))))
                .replaceWithVoid();
    }
}

package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.ClusterSignals;
import org.helix.platform.Draining;
import org.helix.platform.HelixConfig;
import org.helix.platform.Metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Agents waiting in a long-poll lease, held in memory, never with a database connection. When a step becomes
 * READY the waiters it may go to are woken (oldest first) and query once more; across replicas the same wake
 * arrives by a cluster signal. A waiter is armed before its query so a wake between query and wait is not lost.
 */
@ApplicationScoped
public class LeaseWaiters {

    static final String READY = "ready";
    private static final Duration SHORTEST_WAIT = Duration.ofMillis(1);

    public final class Waiter {
        final String agentName;
        final CompletableFuture<Boolean> woken = new CompletableFuture<>();

        Waiter(String agentName) {
            this.agentName = agentName;
        }

        /**
         * Completes with true when woken, false when the time is up. A Vert.x timer cannot be shorter than a
         * millisecond, and a shorter one failed where nobody saw it: the long-poll whose query ended within a
         * millisecond of its deadline was never answered. Such a wait lasts a millisecond.
         */
        public Uni<Boolean> await(Duration timeout) {
            return Uni.createFrom().completionStage(woken)
                    .ifNoItem().after(timeout.compareTo(SHORTEST_WAIT) < 0 ? SHORTEST_WAIT : timeout).recoverWithItem(false)
                    .eventually(this::disarm);
        }

        public void disarm() {
            waiters.remove(this);
        }
    }

    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    private final ClusterSignals signals;
    private final Vertx vertx;
    private final Clock clock;
    private final long preferOtherMillis;

    public LeaseWaiters(ClusterSignals signals, Vertx vertx, Clock clock, HelixConfig config,
                        Draining draining, Metrics metrics) {
        this.signals = signals;
        this.vertx = vertx;
        this.clock = clock;
        this.preferOtherMillis = config.retry().preferOtherAgentFor().toMillis();
        draining.onDrain(() -> wake(List.of(), Integer.MAX_VALUE));
        metrics.gauge("helix.lease.waiting", "Agents parked in a long-poll lease on this replica", waiters::size);
        signals.on(READY, count -> wake(Set.of(), count.isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(count)));
        signals.on(ClusterSignals.RECONNECTED, ignored -> wake(Set.of(), Integer.MAX_VALUE));
    }

    public Waiter arm(String agentName) {
        Waiter waiter = new Waiter(agentName);
        waiters.addLast(waiter);
        return waiter;
    }

    public int waiting() {
        return waiters.size();
    }

    /** Steps became READY here: wake local waiters and tell the other replicas. */
    public void ready(Collection<String> participants, int steps) {
        wake(participants, steps);
        signals.publishCoalesced(READY);
    }

    /**
     * Lost attempts come back after a backoff, and at first prefer another agent: wake waiters when each of
     * those moments comes, rather than at the next sweep.
     */
    public void ready(List<RitualStore.Lost> lost) {
        Instant now = clock.instant();
        for (RitualStore.Lost step : lost) {
            if (step.status() == StepStatus.READY) {
                long backoff = Math.max(1, Duration.between(now, step.readyAt()).toMillis());
                // two: the first eligible waiter may be the agent that lost the attempt, which must wait its turn
                vertx.setTimer(backoff, t -> ready(step.participants(), 2));
                vertx.setTimer(backoff + preferOtherMillis, t -> ready(step.participants(), 1));
            }
        }
    }

    /** Wakes up to {@code count} waiters eligible for rituals with these participants (empty: anyone). */
    public void wake(Collection<String> participants, int count) {
        int woken = 0;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext() && woken < count; ) {
            Waiter waiter = it.next();
            if (participants.isEmpty() || participants.contains(waiter.agentName)) {
                if (waiters.remove(waiter) && waiter.woken.complete(true)) {
                    woken++;
                }
            }
        }
    }
}

package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.ClusterSignals;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
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

    public final class Waiter {
        final String agentName;
        final CompletableFuture<Boolean> woken = new CompletableFuture<>();

        Waiter(String agentName) {
            this.agentName = agentName;
        }

        /** Completes with true when woken, false when the time is up. */
        public Uni<Boolean> await(Duration timeout) {
            return Uni.createFrom().completionStage(woken)
                    .ifNoItem().after(timeout).recoverWithItem(false)
                    .eventually(this::disarm);
        }

        public void disarm() {
            waiters.remove(this);
        }
    }

    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    private final ClusterSignals signals;

    public LeaseWaiters(ClusterSignals signals) {
        this.signals = signals;
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

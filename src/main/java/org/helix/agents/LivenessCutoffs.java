package org.helix.agents;

import java.time.Duration;
import java.time.Instant;

/**
 * The silence thresholds of one liveness sweep. An agent seen since {@code staleSince} is alive; one silent since
 * {@code staleIfSilentSince} becomes STALE, since {@code offlineIfSilentSince} OFFLINE. Silence only counts from
 * the moment this replica last saw the database come back: through an outage no agent could heartbeat, so
 * nobody is demoted (and nobody loses its leases) until the agents have had a full interval to be heard again.
 */
record LivenessCutoffs(Instant staleSince, Instant staleIfSilentSince, Instant offlineIfSilentSince) {

    /** Demotes nobody. */
    private static final Instant NEVER = Instant.EPOCH;

    static LivenessCutoffs of(Instant now, Duration staleAfter, Duration offlineAfter, Instant reachableSince) {
        Instant stale = now.minus(staleAfter);
        Instant offline = now.minus(offlineAfter);
        return new LivenessCutoffs(stale, reachableSince.isAfter(stale) ? NEVER : stale,
                reachableSince.isAfter(offline) ? NEVER : offline);
    }
}

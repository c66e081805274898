package org.helix.rituals;

import java.time.Instant;

/**
 * What a lease that ended without a completion costs its step — the one policy for every way a lease is lost.
 *
 * <p>A loss that is the agent's doing (it failed the step, let the lease expire, went offline, registered again)
 * uses up the attempt: the step comes back READY after a backoff, or, out of attempts (or failed as not
 * retryable), becomes FAILED and stalls the ritual for an operator. A loss that is not (the agent left
 * gracefully, an operator moved the step) gives the attempt back and offers the step at once. Neither is a
 * loss that happened while the database could not be reached: an agent cannot complete or heartbeat through
 * an outage, so a lease that expired before this replica saw the database come back costs nothing.
 */
public record LostAttempt(StepStatus status, int attempt, Instant readyAt, boolean counted, String reason) {

    /** Why a lease ended. */
    public enum Cause {
        FAILED(true, false, null, "failed"),
        TIMEOUT(true, true, "timeout", "timeout"),
        HEARTBEAT_TIMEOUT(true, true, "heartbeat_timeout", "heartbeat_timeout"),
        AGENT_OFFLINE(true, true, "agent_offline", "agent offline"),
        RE_REGISTERED(true, true, "re_registered", "agent re-registered"),
        DEREGISTERED(false, false, "deregistered", "agent deregistered"),
        REINITIALISED(false, true, "operator", "agent reinitialised by an operator"),
        OPERATOR(false, true, "operator", "operator");

        /** Uses up the attempt (unless it happened during an outage). */
        public final boolean counts;
        /** The agent must be told in its next heartbeat's {@code revoked[]} (it did not end the lease itself). */
        public final boolean tell;
        /** The {@code reason} tag of {@code helix_leases_revoked_total}; null: counted as a failed attempt instead. */
        public final String metric;
        public final String reason;

        Cause(boolean counts, boolean tell, String metric, String reason) {
            this.counts = counts;
            this.tell = tell;
            this.metric = metric;
            this.reason = reason;
        }
    }

    /**
     * @param lostAt         when the lease was lost: its expiry for a timeout, else now
     * @param reachableSince when this replica last saw the database come back (or first reached it)
     * @param random         uniform in [0, 1), for the backoff's jitter
     */
    public static LostAttempt decide(Cause cause, String reason, boolean retryable, int attempt, int maxAttempts,
                                     Instant lostAt, Instant reachableSince, Instant now, Backoff backoff,
                                     double random) {
        boolean counted = cause.counts && lostAt.isAfter(reachableSince);
        if (!counted) {
            String why = cause.counts ? reason + " while the database was unreachable (attempt not counted)" : reason;
            return new LostAttempt(StepStatus.READY, Math.max(attempt - 1, 0), now, false, why);
        }
        if (!retryable || attempt >= maxAttempts) {
            return new LostAttempt(StepStatus.FAILED, attempt, now, true, reason);
        }
        return new LostAttempt(StepStatus.READY, attempt, now.plus(backoff.after(attempt, random)), true, reason);
    }
}

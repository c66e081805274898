package org.helix.rituals;

import java.util.EnumSet;
import java.util.Set;

/**
 * A step's life: PENDING until its predecessor is done, READY, LEASED to one agent, then COMPLETED; a lost
 * attempt goes back to READY (after a backoff) or, out of attempts, to FAILED; an operator may SKIP it, and a
 * resume puts every step from its starting point back to PENDING (or READY).
 */
public enum StepStatus {
    PENDING, READY, LEASED, COMPLETED, FAILED, SKIPPED;

    /** The statuses this one may change to. */
    public Set<StepStatus> targets() {
        return switch (this) {
            // LEASED straight from PENDING: eager dispatch hands step n+1 to the agent that completed step n
            case PENDING -> EnumSet.of(READY, LEASED);
            case READY -> EnumSet.of(LEASED, SKIPPED, PENDING);
            case LEASED -> EnumSet.of(COMPLETED, READY, FAILED, SKIPPED, PENDING);
            case FAILED -> EnumSet.of(READY, SKIPPED, PENDING);
            case COMPLETED, SKIPPED -> EnumSet.of(PENDING, READY);
        };
    }

    /** Done for good unless an operator resumes the ritual before it: the next step may run. */
    public static final Set<StepStatus> DONE = EnumSet.of(COMPLETED, SKIPPED);
    /** Settled by the agent that held it last: completed, failed for good, or skipped over its last attempt. */
    public static final Set<StepStatus> SETTLED = EnumSet.of(COMPLETED, FAILED, SKIPPED);
}

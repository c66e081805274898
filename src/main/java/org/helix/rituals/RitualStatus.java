package org.helix.rituals;

import java.util.EnumSet;
import java.util.Set;

public enum RitualStatus {
    PENDING, RUNNING, STALLED, COMPLETED, FAILED, TIMED_OUT, CANCELLED;

    /** Still bound by its deadline: it may make progress or wait for an operator. */
    public static final Set<RitualStatus> LIVE = EnumSet.of(PENDING, RUNNING, STALLED);

    public boolean live() {
        return LIVE.contains(this);
    }
}

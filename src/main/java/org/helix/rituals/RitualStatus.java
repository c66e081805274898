package org.helix.rituals;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A ritual's life: PENDING until its first lease, RUNNING, STALLED when a step is out of attempts (an operator
 * decides), and one of four ends. The legal moves are {@link #targets()}; {@link Transition} names who makes each.
 */
public enum RitualStatus {
    PENDING, RUNNING, STALLED, COMPLETED, FAILED, TIMED_OUT, CANCELLED;

    /** May lease steps and make progress. */
    public static final Set<RitualStatus> RUNNABLE = EnumSet.of(PENDING, RUNNING);
    /** Still bound by its deadline: it may make progress or wait for an operator. */
    public static final Set<RitualStatus> LIVE = EnumSet.of(PENDING, RUNNING, STALLED);
    /** Over: it will not change again unless an operator resumes it. */
    public static final Set<RitualStatus> ENDED = EnumSet.of(COMPLETED, FAILED, TIMED_OUT, CANCELLED);
    /** Ended without its UCF effect; an operator may resume it. */
    public static final Set<RitualStatus> RESUMABLE = EnumSet.of(STALLED, FAILED, TIMED_OUT);

    public boolean live() {
        return LIVE.contains(this);
    }

    /** The statuses this one may change to. */
    public Set<RitualStatus> targets() {
        return switch (this) {
            case PENDING, RUNNING -> EnumSet.of(RUNNING, STALLED, COMPLETED, FAILED, TIMED_OUT, CANCELLED);
            case STALLED -> EnumSet.of(RUNNING, COMPLETED, FAILED, TIMED_OUT, CANCELLED);
            case FAILED, TIMED_OUT -> EnumSet.of(RUNNING);
            case COMPLETED, CANCELLED -> EnumSet.noneOf(RitualStatus.class);
        };
    }

    /**
     * {@code 'PENDING', 'RUNNING'}: a status set as an SQL list (in declaration order), so statements and enums
     * cannot disagree. The list is a literal in the statement's text, so a partial index whose predicate names
     * the same statuses still serves it.
     */
    public static String sql(Set<? extends Enum<?>> statuses) {
        return statuses.stream().map(s -> "'" + s.name() + "'").collect(Collectors.joining(", "));
    }
}

package org.helix.rituals;

import org.helix.events.EventType;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.helix.rituals.RitualStatus.LIVE;
import static org.helix.rituals.RitualStatus.RESUMABLE;
import static org.helix.rituals.RitualStatus.RUNNABLE;

/**
 * Every way a ritual or a step changes, in one table: what moves, under which guard, what it does to the
 * attempt count, and which event it writes. {@link RitualStore} has one method per entry (one guarded
 * statement each, in the lock order of {@link RitualSql}); nothing else writes ritual or step rows.
 * {@code TransitionCatalogueTest} checks every move against the statuses' {@code targets()} and the schema's
 * CHECK constraints.
 */
public enum Transition {

    CREATE("a client starts a ritual; every step is written at once",
            List.of(new Move<>(Set.of(), RitualStatus.PENDING)),
            List.of(new Move<>(Set.of(), StepStatus.READY), new Move<>(Set.of(), StepStatus.PENDING)),
            "participants are registered agents; an Idempotency-Key is new (or replays the same body)",
            Attempts.NONE, EventType.RITUAL_PROGRESS),

    LEASE("an agent takes the oldest READY step it may run",
            List.of(new Move<>(EnumSet.of(RitualStatus.PENDING), RitualStatus.RUNNING)),
            List.of(new Move<>(EnumSet.of(StepStatus.READY), StepStatus.LEASED)),
            "ritual RUNNABLE; the agent's epoch is current; it is a participant (or the ritual has none), the step is"
                    + " not reserved for another agent, and after a lost attempt another agent goes first for a while",
            Attempts.ONE_MORE, null),

    COMPLETE("the agent holding the lease reports success; step n+1 becomes READY, or LEASED to the same agent"
            + " when it asked for its next lease (eager dispatch)",
            List.of(new Move<>(RUNNABLE, RitualStatus.RUNNING)),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.COMPLETED),
                    new Move<>(EnumSet.of(StepStatus.PENDING), StepStatus.READY),
                    new Move<>(EnumSet.of(StepStatus.PENDING), StepStatus.LEASED)),
            "ritual RUNNABLE; the step LEASED under the presented token, to this agent, neither expired nor past its"
                    + " heartbeat",
            Attempts.ONE_MORE, EventType.RITUAL_PROGRESS),

    HEARTBEAT("the agent holding a lease reports it is still at work (and how far it got); in a ritual with a"
            + " heartbeat timeout the next heartbeat is due that long after",
            List.of(),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.LEASED)),
            "ritual RUNNABLE; the step LEASED under the presented token, to this agent, neither expired nor past its"
                    + " heartbeat", Attempts.NONE, null),

    FINISH("the last step is done: the ritual completes and moves the UCF, in the same transaction",
            List.of(new Move<>(LIVE, RitualStatus.COMPLETED)),
            List.of(),
            "ritual LIVE and every step COMPLETED or SKIPPED; the status guard makes the UCF effect happen once",
            Attempts.NONE, EventType.RITUAL_COMPLETION),

    LOSE("a lease ends without a completion: the agent failed it, it expired, its heartbeat was missed, its agent"
            + " went offline, registered again, left, or was reinitialised",
            List.of(new Move<>(RUNNABLE, RitualStatus.STALLED)),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.READY),
                    new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.FAILED)),
            "ritual RUNNABLE; the step still LEASED under the same token; what it costs is LostAttempt's decision",
            Attempts.BY_CAUSE, EventType.RITUAL_PROGRESS),

    CANCEL("a client cancels a live ritual; its live leases are revoked",
            List.of(new Move<>(LIVE, RitualStatus.CANCELLED)),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.READY)),
            "ritual LIVE", Attempts.GIVEN_BACK, EventType.RITUAL_PROGRESS),

    TIME_OUT("the global deadline passed; live leases are revoked, progress stays resumable",
            List.of(new Move<>(LIVE, RitualStatus.TIMED_OUT)),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.READY)),
            "ritual LIVE and deadline_at reached", Attempts.GIVEN_BACK, EventType.RITUAL_TIMEOUT),

    TERMINATE("an operator gives up: FAILED, no UCF effect; live leases are revoked",
            List.of(new Move<>(LIVE, RitualStatus.FAILED)),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.READY)),
            "ritual LIVE", Attempts.GIVEN_BACK, EventType.RITUAL_FAILED),

    RELEASE("a lease committed while its ritual was ending is handed back at the next sweep",
            List.of(),
            List.of(new Move<>(EnumSet.of(StepStatus.LEASED), StepStatus.READY)),
            "ritual no longer LIVE", Attempts.GIVEN_BACK, null),

    SKIP("an operator passes over the current step; skipping the last one finishes the ritual",
            List.of(new Move<>(LIVE, RitualStatus.RUNNING)),
            List.of(new Move<>(EnumSet.of(StepStatus.READY, StepStatus.LEASED, StepStatus.FAILED), StepStatus.SKIPPED),
                    new Move<>(EnumSet.of(StepStatus.PENDING), StepStatus.READY)),
            "ritual LIVE; the step is the current one and not COMPLETED", Attempts.GIVEN_BACK, EventType.RITUAL_PROGRESS),

    RETRY("an operator offers the current step again now (out of a backoff, away from a stuck lease, or after"
            + " its attempts ran out)",
            List.of(new Move<>(LIVE, RitualStatus.RUNNING)),
            List.of(new Move<>(EnumSet.of(StepStatus.READY, StepStatus.LEASED, StepStatus.FAILED), StepStatus.READY)),
            "ritual LIVE; the step is the current one, READY in a backoff, LEASED or FAILED",
            Attempts.GRANTED, EventType.RITUAL_PROGRESS),

    REASSIGN("as RETRY, and only the named agent may lease the step next",
            List.of(new Move<>(LIVE, RitualStatus.RUNNING)),
            List.of(new Move<>(EnumSet.of(StepStatus.READY, StepStatus.LEASED, StepStatus.FAILED), StepStatus.READY)),
            "as RETRY; the agent exists, is a participant (or the ritual has none) and has the required capabilities",
            Attempts.GRANTED, EventType.RITUAL_PROGRESS),

    RESUME("an operator restarts a ritual from a step with a fresh deadline; the steps from there run again",
            List.of(new Move<>(RESUMABLE, RitualStatus.RUNNING)),
            List.of(new Move<>(EnumSet.allOf(StepStatus.class), StepStatus.READY),
                    new Move<>(EnumSet.allOf(StepStatus.class), StepStatus.PENDING)),
            "ritual STALLED, FAILED or TIMED_OUT; from_step at most the first step not done",
            Attempts.RESET, EventType.RITUAL_PROGRESS);

    /** What a transition does to a step's attempt count. */
    public enum Attempts {
        NONE,
        /** a lease is taken: the attempt count goes up (for COMPLETE: step n+1's, when it is leased eagerly) */
        ONE_MORE,
        /** a lease it ends was not the step's fault: its attempt is given back */
        GIVEN_BACK,
        /** as GIVEN_BACK for a lease it takes away; a FAILED step keeps its count and so may run once more */
        GRANTED,
        RESET,
        /** counted, or given back when the loss was not the agent's doing: see LostAttempt */
        BY_CAUSE
    }

    /** One status change: from any of {@code from} (empty: the row is new) to {@code to}. */
    public record Move<S>(Set<S> from, S to) {
    }

    public final String description;
    public final List<Move<RitualStatus>> ritual;
    public final List<Move<StepStatus>> steps;
    public final String guard;
    public final Attempts attempts;
    /** The event written in the same transaction (null: none of its own). */
    public final EventType event;

    Transition(String description, List<Move<RitualStatus>> ritual, List<Move<StepStatus>> steps, String guard,
               Attempts attempts, EventType event) {
        this.description = description;
        this.ritual = ritual;
        this.steps = steps;
        this.guard = guard;
        this.attempts = attempts;
        this.event = event;
    }

    /** The name of the span that traces it ({@link RitualStore} records one per transition made). */
    public String span() {
        return "helix." + name().toLowerCase();
    }
}

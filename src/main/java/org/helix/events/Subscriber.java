package org.helix.events;

import io.smallrye.mutiny.Uni;

import java.util.Set;
import java.util.UUID;

/**
 * One live stream (a WebSocket or an SSE response). The hub hands it events in id order; it must not block.
 * The hub bounds what is in flight to it and calls {@link #overflow()} when the consumer has stopped reading.
 */
public interface Subscriber {

    /** The rituals followed; empty means every ritual. */
    Set<UUID> rituals();

    /** Whether events that belong to no ritual (ucf_update, alert, agent_state_change) are wanted too. */
    default boolean includesGlobal() {
        return true;
    }

    /** Sends one event; the Uni completes when it is written. */
    Uni<Void> send(Event event);

    /** Close because the consumer has stopped reading (1013 on a WebSocket). */
    void overflow();

    /** Close because this replica is shutting down (1001 on a WebSocket). */
    default void goingAway() {
        overflow();
    }

    default boolean wants(Event event) {
        if (event.global()) {
            return includesGlobal();
        }
        Set<UUID> rituals = rituals();
        return rituals.isEmpty() || rituals.contains(event.ritualId());
    }
}

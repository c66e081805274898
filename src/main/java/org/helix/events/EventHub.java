package org.helix.events;

import jakarta.enterprise.context.ApplicationScoped;

/** Fans committed events out to live streams (filled in by the streaming feature). */
@ApplicationScoped
public class EventHub {

    public void poke() {
    }
}

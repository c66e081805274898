package org.helix.events;

/** The kinds of live events (the README's live events section); the wire name is the lower-case name. */
public enum EventType {
    UCF_UPDATE, AGENT_STATE_CHANGE, RITUAL_PROGRESS, RITUAL_COMPLETION, RITUAL_FAILED, RITUAL_TIMEOUT, ALERT;

    public String wire() {
        return name().toLowerCase();
    }
}

package org.helix.events;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Open event streams per principal on this replica: each holds memory and a hub slot until it ends. */
@ApplicationScoped
public class StreamQuota {

    private final Map<String, Integer> open = new ConcurrentHashMap<>();

    /** Takes a slot, or answers false when the principal already holds {@code max}. */
    public boolean acquire(String principal, int max) {
        boolean[] taken = {false};
        open.compute(principal, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= max) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    public void release(String principal) {
        open.computeIfPresent(principal, (key, count) -> count <= 1 ? null : count - 1);
    }
}

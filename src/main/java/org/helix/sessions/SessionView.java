package org.helix.sessions;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A session as operators see it (never its token). */
public record SessionView(UUID sessionId, String principal, boolean implicit, OffsetDateTime createdAt,
                          OffsetDateTime expiresAt, OffsetDateTime lastSeenAt, int connectionsHere) {
}

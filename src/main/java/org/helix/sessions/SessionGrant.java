package org.helix.sessions;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A client session as its owner receives it: the resume token is shown here only. */
public record SessionGrant(UUID sessionId, String resumeToken, long idleTimeoutSeconds, OffsetDateTime expiresAt) {
}

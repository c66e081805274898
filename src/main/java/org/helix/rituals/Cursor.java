package org.helix.rituals;

import org.helix.platform.ProblemException;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.UUID;

/** An opaque keyset cursor over rituals, newest first: the last row's (created_at, id). */
record Cursor(OffsetDateTime createdAt, UUID id) {

    String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws ProblemException 400 naming {@code after} for anything this service did not hand out */
    static Cursor parse(String value) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8).split("\\|");
            if (parts.length != 2) {
                throw new IllegalArgumentException(value);
            }
            return new Cursor(OffsetDateTime.parse(parts[0]), UUID.fromString(parts[1]));
        } catch (RuntimeException e) {
            throw ProblemException.invalid("after", "is not a cursor this service returned");
        }
    }
}

package org.helix.rituals;

import org.helix.platform.ProblemException;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The keyset cursor of the ritual list. */
class CursorTest {

    @Test
    void aCursorSurvivesItsRoundTrip() {
        Cursor cursor = new Cursor(OffsetDateTime.parse("2026-12-01T10:15:30.123456Z"), UUID.randomUUID());
        assertEquals(cursor, Cursor.parse(cursor.encode()));
    }

    @Test
    void anythingElseIsABadRequestNamingTheParameter() {
        String foreign = Base64.getUrlEncoder().encodeToString("2026-12-01T10:15:30Z".getBytes());
        for (String value : new String[] {"", "not base64!", foreign, Base64.getUrlEncoder().encodeToString("a|b".getBytes())}) {
            ProblemException e = assertThrows(ProblemException.class, () -> Cursor.parse(value), value);
            assertEquals(400, e.status());
            assertEquals("after", e.problem().errors().get(0).field());
        }
    }
}

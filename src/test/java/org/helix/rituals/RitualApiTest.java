package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ritual endpoints' contract as portals use it: start, aliases, listing and paging. */
@QuarkusTest
class RitualApiTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void startAnswers202WithLocationAndTheDocumentedBodyOnBothPaths() {
        TestAgent.register("Kael");
        for (String path : List.of("/api/rituals", "/ritual")) {
            Response r = Api.admin().body(Map.of("participants", List.of("Kael"), "deadline_seconds", 120)).post(path);
            r.then().statusCode(202)
                    .body("status", equalTo("initiated"))
                    .body("participants", equalTo(List.of("Kael")))
                    .body("estimated_completion", notNullValue())
                    .body("message", notNullValue());
            String id = r.path("ritual_id");
            assertEquals("/api/rituals/" + id, URI.create(r.header("Location")).getPath());
            OffsetDateTime deadline = OffsetDateTime.parse(r.path("deadline_at"));
            long seconds = Duration.between(OffsetDateTime.now(), deadline).toSeconds();
            assertTrue(seconds > 110 && seconds <= 120, "deadline 120 s after acceptance, was " + seconds);

            Api.admin().get(r.header("Location")).then().statusCode(200).body("ritual_id", equalTo(id))
                    .body("status", equalTo("PENDING")).body("steps_total", equalTo(108));
            Api.admin().get("/ritual/status/" + id).then().statusCode(200).body("ritual_id", equalTo(id))
                    .body("steps_completed", equalTo(0));
        }
    }

    @Test
    void theListIsNewestFirstFiltersByStatusAndPagesWithoutGapsOrRepeats() {
        List<UUID> started = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            started.add(Api.startRitual(Map.of("steps", 1)));
        }
        Api.admin().post("/api/rituals/" + started.get(1) + "/cancel").then().statusCode(200);
        Api.admin().post("/api/rituals/" + started.get(3) + "/cancel").then().statusCode(200);

        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            Response page = Api.admin().get("/api/rituals?limit=2" + (after == null ? "" : "&after=" + after));
            page.then().statusCode(200);
            List<String> ids = page.path("rituals.ritual_id");
            assertTrue(ids.size() <= 2);
            seen.addAll(ids);
            after = page.path("next_after");
            pages++;
        } while (after != null && pages < 10);
        List<String> newestFirst = new ArrayList<>(started.stream().map(UUID::toString).toList());
        Collections.reverse(newestFirst);
        assertEquals(newestFirst, seen, "every ritual once, newest first, across pages");

        List<String> cancelled = Api.admin().get("/api/rituals?status=CANCELLED").then().statusCode(200)
                .extract().path("rituals.ritual_id");
        assertEquals(List.of(started.get(3).toString(), started.get(1).toString()), cancelled);
        Response pending = Api.admin().get("/api/rituals?status=PENDING&limit=200");
        assertEquals(3, pending.<List<String>>path("rituals").size());
        assertNull(pending.path("next_after"), "no further page");
    }
}

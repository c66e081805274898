package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding rituals in history: by id prefix, agent, status and time range, combined and paged. The rituals are
 * made once: done by Vega (no participants), waiting for Kael, waiting for Vega, in that order.
 */
@QuarkusTest
class RitualSearchTest {

    static String doneByVega;
    static String forKael;
    static String forVega;

    static boolean ready;

    // once for the class, after the application (and REST Assured's port) is up
    @BeforeEach
    void rituals() {
        if (ready) {
            return;
        }
        ready = true;
        TestDb.reset();
        TestAgent vega = TestAgent.register("Vega");
        doneByVega = Api.startRitual(Map.of("steps", 1)).toString();
        TestAgent.Lease lease = vega.lease(5);
        assertNotNull(lease, "Vega leases the one ready step");
        assertEquals(doneByVega, lease.ritualId().toString());
        vega.complete(lease).then().statusCode(200);
        TestAgent.register("Kael");
        forKael = Api.startRitual(Map.of("steps", 2, "participants", List.of("Kael"))).toString();
        forVega = Api.startRitual(Map.of("steps", 2, "participants", List.of("Vega"))).toString();
    }

    /** Query parameters as name, value, name, value... (REST Assured encodes them). */
    private static List<String> ids(String... query) {
        var request = Api.admin();
        for (int i = 0; i < query.length; i += 2) {
            request.queryParam(query[i], query[i + 1]);
        }
        return request.get("/api/rituals").then().statusCode(200).extract().path("rituals.ritual_id");
    }

    private static String createdAt(String id) {
        return Api.ritual(UUID.fromString(id)).path("created_at");
    }

    @Test
    void anIdPrefixFindsTheRitualWhicheverWayItIsWritten() {
        assertEquals(List.of(forKael), ids("id_prefix", forKael));
        assertEquals(List.of(forKael), ids("id_prefix", forKael.toUpperCase()));
        assertEquals(List.of(forKael), ids("id_prefix", forKael.replace("-", "")));
        List<String> byEight = ids("id_prefix", forKael.substring(0, 8));
        assertTrue(byEight.contains(forKael), "eight hex digits find it: " + byEight);
        byEight.forEach(id -> assertTrue(id.startsWith(forKael.substring(0, 8)), id));
        String oneDigit = forKael.substring(0, 1);
        List<String> byOne = ids("id_prefix", oneDigit);
        byOne.forEach(id -> assertTrue(id.startsWith(oneDigit), id));
        String other = oneDigit.equals("0") ? "f" : "0";
        assertTrue(ids("id_prefix", other + forKael.substring(1, 8)).isEmpty(), "a prefix nobody has finds nothing");
    }

    @Test
    void anAgentFindsTheRitualsItTookPartInOrSettledAStepOf() {
        assertEquals(List.of(forVega, doneByVega), ids("agent", "Vega"), "participant, then executor; newest first");
        assertEquals(List.of(forKael), ids("agent", "Kael"));
        assertEquals(List.of(), ids("agent", "Lumina"));
        assertEquals(List.of(doneByVega), ids("agent", "Vega", "status", "COMPLETED"));
        assertEquals(List.of(forVega), ids("agent", "Vega", "status", "pending"));
    }

    @Test
    void sinceIsInclusiveAndUntilExclusiveOnTheCreationTime() {
        assertEquals(List.of(forVega, forKael), ids("since", createdAt(forKael)));
        assertEquals(List.of(doneByVega), ids("until", createdAt(forKael)));
        assertEquals(List.of(forKael, doneByVega), ids("since", createdAt(doneByVega), "until", createdAt(forVega)));
        assertEquals(List.of(forKael), ids("since", createdAt(forKael), "until", createdAt(forVega), "agent", "Kael"));
        assertEquals(List.of(forVega, forKael, doneByVega), ids("since", "2000-01-01T00:00:00+02:00"));
    }

    @Test
    void filteredPagesFollowEachOtherWithoutGapsAndTheLastOneSaysSo() {
        List<String> seen = new ArrayList<>();
        String after = null;
        for (int page = 0; page < 5; page++) {
            var request = Api.admin().queryParam("agent", "Vega").queryParam("limit", 1);
            Response r = (after == null ? request : request.queryParam("after", after)).get("/api/rituals");
            r.then().statusCode(200);
            seen.addAll(r.path("rituals.ritual_id"));
            after = r.path("next_after");
            if (after == null) {
                break;
            }
        }
        assertEquals(List.of(forVega, doneByVega), seen);
        assertNull(after, "the page with the last ritual has no next_after");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "status    | NOPE",
            "agent     | xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "since     | yesterday",
            "since     | 2026-01-31T12:00:00",
            "until     | 2026-13-01T00:00:00Z",
            "id_prefix | xyz",
            "id_prefix | 0123456789abcdef0123456789abcdef0",
            "id_prefix | %",
            "limit     | 0",
            "limit     | 201",
            "after     | not-a-cursor",
    })
    void anInvalidValueIs400NamingTheParameter(String parameter, String value) {
        Api.admin().queryParam(parameter, value).get("/api/rituals").then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("errors[0].field", equalTo(parameter))
                .body("detail", containsString(parameter));
    }

    @Test
    void untilNotAfterSinceIs400NamingUntil() {
        for (String until : List.of("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+02:00")) {
            Api.admin().queryParam("since", "2026-01-01T00:00:00Z").queryParam("until", until).get("/api/rituals")
                    .then().statusCode(400).body("errors[0].field", equalTo("until"));
        }
    }
}

package org.helix.agents;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The public agent directory: counts by status at a glance, then agents by name, filtered and paged. */
@QuarkusTest
class AgentDirectoryTest {

    static final List<String> NAMES = List.of("Alpha-1", "alpha-2", "Beta-1", "Beta_2", "Gamma", "Zeta");

    static boolean ready;

    // once for the class, after the application (and REST Assured's port) is up
    @BeforeEach
    void agents() {
        if (ready) {
            return;
        }
        ready = true;
        TestDb.reset();
        for (String name : NAMES) {
            TestAgent.register(name);
        }
        TestAgent gone = TestAgent.register("Zeta");
        gone.call().post("/api/agents/" + gone.id + "/deregister").then().statusCode(200);
    }

    private static Response get(String query) {
        Response r = Api.request().get("/agents" + (query.isEmpty() ? "" : "?" + query));
        r.then().statusCode(200);
        return r;
    }

    @Test
    void withoutParametersEveryAgentAsBeforeWithCountsByStatus() {
        Response r = get("");
        assertEquals(List.of("Alpha-1", "alpha-2", "Beta-1", "Beta_2", "Gamma", "Zeta"),
                r.<List<String>>path("agents.name").stream().sorted(String.CASE_INSENSITIVE_ORDER).toList());
        r.then().body("total", equalTo(6)).body("matching", equalTo(6)).body("next_after", equalTo(null));
        Map<String, Integer> counts = r.path("counts");
        assertEquals(Map.of("online", 0, "stale", 0, "offline", 0).keySet(), counts.keySet());
        assertEquals(6, counts.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals((int) counts.get("online"), (int) r.path("active"));
    }

    @Test
    void aNamePrefixIsCaseInsensitiveAndTakesNoWildcards() {
        assertEquals(List.of("Alpha-1", "alpha-2"), get("name=ALPHA").path("agents.name"));
        get("name=al").then().body("matching", equalTo(2)).body("total", equalTo(6));
        assertEquals(List.of("Beta_2"), get("name=beta_").path("agents.name"), "'_' is a character, not a wildcard");
        assertEquals(List.of(), Api.request().queryParam("name", "%").get("/agents").then().statusCode(200).extract()
                .path("agents.name"), "'%' is a character, not a wildcard");
    }

    @Test
    void aStatusSelectsThoseAgentsOnly() {
        Response offline = get("status=offline");
        offline.then().body("agents.name", hasItem("Zeta"));
        offline.<List<String>>path("agents.status").forEach(s -> assertEquals("OFFLINE", s));
        assertEquals((int) offline.path("counts.offline"), (int) offline.path("matching"));
    }

    @Test
    void pagesFollowEachOtherByNameAndTheLastOneSaysSo() {
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            Response page = get("limit=4" + (after == null ? "" : "&after=" + after));
            page.then().body("matching", equalTo(6));
            seen.addAll(page.path("agents.name"));
            after = page.path("next_after");
            pages++;
        } while (after != null && pages < 5);
        assertEquals(2, pages);
        assertEquals(get("").<List<String>>path("agents.name"), seen, "every agent once, in the directory's order");
        Response beta = get("name=b&limit=1");
        assertEquals(List.of("Beta-1"), beta.path("agents.name"));
        assertEquals(List.of("Beta_2"), get("name=b&limit=1&after=" + beta.path("next_after")).path("agents.name"),
                "the filter holds across pages");
        assertNull(get("limit=6").path("next_after"), "six of six: no further page");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "status | ASLEEP",
            "name   | xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "limit  | 0",
            "limit  | 501",
            "limit  | ten",
    })
    void anInvalidValueIs400NamingTheParameter(String parameter, String value) {
        Api.request().queryParam(parameter, value).get("/agents").then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("errors[0].field", equalTo(parameter));
    }

    @Test
    void aCursorWithoutALimitIs400() {
        Api.request().get("/agents?after=Beta-1").then().statusCode(400).body("errors[0].field", equalTo("after"));
    }
}

package org.helix.admin;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The audit log read by an operator page by page: newest first, every entry once. */
@QuarkusTest
class AuditPagingTest {

    static final List<String> targets = new ArrayList<>();

    static boolean ready;

    // once for the class, after the application (and REST Assured's port) is up
    @BeforeEach
    void entries() {
        if (ready) {
            return;
        }
        ready = true;
        TestDb.reset();
        for (int i = 0; i < 5; i++) {
            String id = Api.admin().body(Map.of("name", "audit-" + i, "roles", List.of("rituals"))).post("/admin/api-keys")
                    .then().statusCode(201).extract().path("id");
            targets.add("api-key:" + id);
        }
        Collections.reverse(targets);
    }

    /** Without Api.request()'s doubles: the cursor is an entry id and goes back as one. */
    private static Response audit(String query) {
        Response r = given().header("Authorization", "Bearer " + Api.ADMIN_KEY).get("/admin/audit?" + query);
        r.then().statusCode(200);
        return r;
    }

    @Test
    void pagesWithAfterFollowEachOtherNewestFirstAndTheLastOneSaysSo() {
        List<String> seen = new ArrayList<>();
        Object after = null;
        int pages = 0;
        do {
            Response page = audit("action=api-key.create&limit=2" + (after == null ? "" : "&after=" + after));
            seen.addAll(page.path("entries.target"));
            page.<List<String>>path("entries.outcome").forEach(o -> assertEquals("ok", o));
            after = page.path("next_after");
            pages++;
        } while (after != null && pages < 10);
        assertEquals(targets, seen);
        assertEquals(3, pages);
        assertNull(audit("action=api-key.create&limit=5").path("next_after"),
                "five of five: no further page");
    }

    @Test
    void beforeIsStillUnderstood() {
        Object cursor = audit("action=api-key.create&limit=2").path("next_after");
        audit("action=api-key.create&limit=2&before=" + cursor).then().body("entries.target", equalTo(targets.subList(2, 4)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "after=abc             | after",
            "after=0               | after",
            "before=x              | before",
            "after=5&before=5      | after",
            "limit=0               | limit",
            "limit=501             | limit",
    })
    void anInvalidValueIs400NamingTheParameter(String query, String parameter) {
        Api.admin().get("/admin/audit?" + query).then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("errors[0].field", equalTo(parameter));
    }
}

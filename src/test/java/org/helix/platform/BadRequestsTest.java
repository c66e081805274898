package org.helix.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.UUID;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every kind of bad input gets the documented 4xx as problem+json, and nothing is written. */
@QuarkusTest
class BadRequestsTest {

    static TestAgent agent;

    record Case(String name, String method, String path, String body, String contentType, int status, String detail) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeEach
    void agent() {
        if (agent == null) {
            TestDb.reset();
            agent = TestAgent.register("Kael");
        }
    }

    static Stream<Case> cases() {
        String json = "application/json";
        String a = "/api/agents/{agent}";
        return Stream.of(
                new Case("malformed JSON", "POST", "/api/rituals", "{", json, 400, "the body is not valid JSON"),
                new Case("steps as a string", "POST", "/api/rituals", "{\"steps\": \"108\"}", json, 400, "field 'steps' must be an integer"),
                new Case("steps as a fraction", "POST", "/api/rituals", "{\"steps\": 1.5}", json, 400, "field 'steps' must be an integer"),
                new Case("zero steps", "POST", "/api/rituals", "{\"steps\": 0}", json, 400, "steps: must be at least 1"),
                new Case("too many steps", "POST", "/api/rituals", "{\"steps\": 1009}", json, 400, "steps: must be at most 1008"),
                new Case("unknown field", "POST", "/api/rituals", "{\"stepz\": 1}", json, 400, "unknown field 'stepz'"),
                new Case("blank mantra", "POST", "/api/rituals", "{\"mantra\": \"  \"}", json, 400, "mantra: must not be blank"),
                new Case("long mantra", "POST", "/api/rituals", "{\"mantra\": \"" + "o".repeat(501) + "\"}", json, 400, "mantra: must be at most 500 characters"),
                new Case("mantra as a number", "POST", "/api/rituals", "{\"mantra\": 7}", json, 400, "field 'mantra' must be a string"),
                new Case("participants not a list", "POST", "/api/rituals", "{\"participants\": \"Kael\"}", json, 400, "field 'participants' must be an array"),
                new Case("participant as a number", "POST", "/api/rituals", "{\"participants\": [1]}", json, 400, "field 'participants[0]' must be a string"),
                new Case("65 participants", "POST", "/api/rituals", "{\"participants\": [" + "\"Kael\",".repeat(64) + "\"Kael\"]}", json, 400, "participants: must list at most 64 agents"),
                new Case("duplicate participants", "POST", "/api/rituals", "{\"participants\": [\"Kael\", \"Kael\"]}", json, 400, "participants: must not list an agent twice"),
                new Case("unknown participant", "POST", "/api/rituals", "{\"participants\": [\"Ghost\"]}", json, 400, "participants: unknown agent(s): Ghost"),
                new Case("unknown priority", "POST", "/api/rituals", "{\"priority\": \"urgent\"}", json, 400, "priority: must be 'normal' or 'emergency'"),
                new Case("zero step timeout", "POST", "/api/rituals", "{\"step_timeout_seconds\": 0}", json, 400, "step_timeout_seconds: must be at least 1"),
                new Case("huge step timeout", "POST", "/api/rituals", "{\"step_timeout_seconds\": 3601}", json, 400, "step_timeout_seconds: must be at most 3600"),
                new Case("zero deadline", "POST", "/api/rituals", "{\"deadline_seconds\": 0}", json, 400, "deadline_seconds: must be at least 1"),
                new Case("too many attempts", "POST", "/api/rituals", "{\"max_attempts\": 21}", json, 400, "max_attempts: must be at most 20"),
                new Case("negative duration", "POST", "/api/rituals", "{\"duration_minutes\": -1}", json, 400, "duration_minutes: must be at least 1"),
                new Case("empty body", "POST", "/api/rituals", "", json, 400, "a JSON object is required ({} means all defaults)"),
                new Case("null body", "POST", "/api/rituals", "null", json, 400, "a JSON object is required ({} means all defaults)"),
                new Case("array body", "POST", "/api/rituals", "[]", json, 400, "the body does not have the expected shape (expected an object)"),
                new Case("not JSON", "POST", "/api/rituals", "steps=108", "text/plain", 415, "Request bodies must be application/json"),
                new Case("limit zero", "GET", "/api/rituals?limit=0", null, null, 400, "limit: must be between 1 and 200"),
                new Case("limit not a number", "GET", "/api/rituals?limit=ten", null, null, 400, "limit: must be an integer"),
                new Case("unknown status filter", "GET", "/api/rituals?status=DONE", null, null, 400, "status: must be one of"),
                new Case("forged cursor", "GET", "/api/rituals?after=garbage", null, null, 400, "after: is not a cursor this service returned"),
                new Case("unknown ritual", "GET", "/api/rituals/" + UUID.randomUUID(), null, null, 404, "no ritual"),
                new Case("malformed ritual id", "GET", "/api/rituals/not-a-uuid", null, null, 404, "no ritual not-a-uuid"),
                new Case("steps of an unknown ritual", "GET", "/api/rituals/" + UUID.randomUUID() + "/steps", null, null, 404, "no ritual"),
                new Case("long-poll too long", "POST-AGENT", a + "/lease?wait_seconds=31", null, null, 400, "wait_seconds: must be between 0 and 30"),
                new Case("lease batch zero", "POST-AGENT", a + "/lease?max=0", null, null, 400, "max: must be between 1 and 16"),
                new Case("completion without token", "POST-AGENT", "/api/rituals/" + UUID.randomUUID() + "/steps/1/complete", "{}", json, 400, "lease_token: is required"),
                new Case("completion with a malformed token", "POST-AGENT", "/api/rituals/" + UUID.randomUUID() + "/steps/1/complete", "{\"lease_token\": \"xyz\"}", json, 400, "field 'lease_token' must be"),
                new Case("lease_next not a boolean", "POST-AGENT", "/api/rituals/" + UUID.randomUUID() + "/steps/1/complete", "{\"lease_token\": \"" + UUID.randomUUID() + "\", \"lease_next\": \"yes\"}", json, 400, "field 'lease_next' must be true or false"),
                new Case("completion of an unknown step", "POST-AGENT", "/api/rituals/" + UUID.randomUUID() + "/steps/1/complete", "{\"lease_token\": \"" + UUID.randomUUID() + "\"}", json, 404, "has no step 1"),
                new Case("negative workload", "POST-AGENT", a + "/heartbeat", "{\"workload\": -1}", json, 400, "workload: must be a fraction between 0 and 1"),
                new Case("workload above capacity", "POST-AGENT", a + "/heartbeat", "{\"workload\": 1.5}", json, 400, "workload: must be a fraction between 0 and 1"),
                new Case("agent name with spaces", "POST", "/api/agents", "{\"name\": \"bad name\"}", json, 400, "name: must be 1-64 letters"),
                new Case("agent without a name", "POST", "/api/agents", "{}", json, 400, "name: is required"),
                new Case("history duration", "GET", "/ucf/history?duration=forever", null, null, 400, "duration: must look like 30s, 5m, 24h or 7d"),
                new Case("history metric", "GET", "/ucf/history?metrics=harmony,joy", null, null, 400, "metrics: unknown metric 'joy'"),
                new Case("unknown path", "GET", "/api/nothing-here", null, null, 404, "No such resource"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsAClearProblemAndChangesNothing(Case c) {
        RequestSpecification request = c.method().equals("POST-AGENT") ? agent.call() : Api.admin();
        if (c.contentType() != null) {
            request = request.contentType(c.contentType());
        }
        if (c.body() != null) {
            request = request.body(c.body());
        }
        String path = c.path().replace("{agent}", agent.id.toString());
        Response response = c.method().equals("GET") ? request.get(path) : request.post(path);

        response.then().statusCode(c.status())
                .contentType(startsWith("application/problem+json"))
                .body("status", equalTo(c.status()))
                .body("title", org.hamcrest.Matchers.notNullValue())
                .body("detail", containsString(c.detail()));
        assertEquals(0, TestDb.count("select count(*) from ritual"));
    }

    @Test
    void aBodyPastTheLimitIs413() {
        Api.admin().body("{\"mantra\": \"" + "o".repeat(70_000) + "\"}").post("/api/rituals").then()
                .statusCode(413).contentType(startsWith("application/problem+json"));
        assertEquals(0, TestDb.count("select count(*) from ritual"));
    }

    @Test
    void anIdempotencyKeyOfGarbageIsRefused() {
        Api.admin().header("Idempotency-Key", "x".repeat(256)).body("{}").post("/api/rituals").then()
                .statusCode(400).body("errors[0].field", equalTo("Idempotency-Key"));
        assertEquals(0, TestDb.count("select count(*) from ritual"));
    }
}

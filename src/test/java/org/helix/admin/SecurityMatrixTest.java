package org.helix.admin;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.helix.support.Api;
import org.helix.support.Endpoints;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every endpoint × {no key, wrong key, agent token, agent key, rituals key, admin key}: 401, 403 or let through. */
@QuarkusTest
class SecurityMatrixTest {

    enum Who { NONE, WRONG, AGENT_TOKEN, AGENT_KEY, RITUALS_KEY, ADMIN_KEY }

    /** P public, R ritual clients, G agent registration, S the agent itself, L leasing (the agent only), A admin. */
    record Endpoint(String method, String path, String body, char access) {
    }

    TestAgent agent;
    TestAgent other;
    String ritualsKey;
    String agentKey;
    UUID ritual;

    @BeforeEach
    void setUp() {
        TestDb.reset();
        agent = TestAgent.register("Matrix");
        other = TestAgent.register("Other");
        TestAgent.register("Victim");
        ritualsKey = Api.admin().body(Map.of("name", "portal", "roles", List.of("rituals"))).post("/admin/api-keys")
                .then().statusCode(201).extract().path("key");
        agentKey = Api.admin().body(Map.of("name", "workers", "roles", List.of("agent"))).post("/admin/api-keys")
                .then().statusCode(201).extract().path("key");
        ritual = Api.startRitual(Map.of("steps", 3));
    }

    List<Endpoint> endpoints() {
        String r = "/api/rituals/" + ritual;
        String a = "/api/agents/" + agent.id;
        String token = "{\"lease_token\": \"" + UUID.randomUUID() + "\"}";
        return List.of(
                new Endpoint("GET", "/health", null, 'P'),
                new Endpoint("GET", "/status", null, 'P'),
                new Endpoint("GET", "/api/status", null, 'P'),
                new Endpoint("GET", "/ucf", null, 'P'),
                new Endpoint("GET", "/ucf/history", null, 'P'),
                new Endpoint("GET", "/agents", null, 'P'),
                new Endpoint("GET", "/.well-known/helix.json", null, 'P'),
                new Endpoint("GET", "/ws/stats", null, 'P'),
                new Endpoint("POST", "/api/rituals", "{\"steps\": 1}", 'R'),
                new Endpoint("POST", "/ritual", "{\"steps\": 1}", 'R'),
                new Endpoint("GET", "/api/rituals", null, 'R'),
                new Endpoint("GET", r, null, 'R'),
                new Endpoint("GET", "/ritual/status/" + ritual, null, 'R'),
                new Endpoint("GET", r + "/steps", null, 'R'),
                new Endpoint("GET", "/api/rituals/" + UUID.randomUUID() + "/events", null, 'R'),
                new Endpoint("POST", "/api/rituals/" + UUID.randomUUID() + "/cancel", null, 'R'),
                new Endpoint("POST", "/api/sessions", null, 'R'),
                new Endpoint("DELETE", "/api/sessions/" + UUID.randomUUID(), null, 'R'),
                new Endpoint("POST", "/api/agents", "{\"name\": \"Newcomer\"}", 'G'),
                new Endpoint("POST", a + "/heartbeat", "{\"workload\": 1}", 'S'),
                new Endpoint("POST", a + "/lease?wait_seconds=0", null, 'L'),
                new Endpoint("POST", r + "/steps/1/complete", token, 'S'),
                new Endpoint("POST", r + "/steps/1/fail", token, 'S'),
                new Endpoint("POST", r + "/steps/1/heartbeat", token, 'S'),
                new Endpoint("GET", "/admin/rituals/stuck", null, 'A'),
                new Endpoint("POST", "/admin/rituals/" + ritual + "/steps/1/retry", null, 'A'),
                new Endpoint("POST", "/admin/rituals/" + ritual + "/steps/1/reassign", "{\"agent\": \"Matrix\"}", 'A'),
                new Endpoint("POST", "/admin/rituals/" + UUID.randomUUID() + "/steps/1/skip", null, 'A'),
                new Endpoint("POST", "/admin/rituals/" + UUID.randomUUID() + "/resume", "{}", 'A'),
                new Endpoint("POST", "/admin/rituals/" + UUID.randomUUID() + "/terminate", "{\"reason\": \"x\"}", 'A'),
                new Endpoint("POST", "/admin/rituals/recover", "{\"action\": \"retry\", \"no_progress_seconds\": 86400}", 'A'),
                new Endpoint("POST", "/admin/agents/reinit", "{\"agents\": [\"Victim\"]}", 'A'),
                new Endpoint("GET", "/admin/sessions", null, 'A'),
                new Endpoint("DELETE", "/admin/sessions/" + UUID.randomUUID(), null, 'A'),
                new Endpoint("POST", "/admin/sessions/purge", null, 'A'),
                new Endpoint("GET", "/admin/audit", null, 'A'),
                new Endpoint("GET", "/admin/api-keys", null, 'A'),
                new Endpoint("POST", "/admin/api-keys", "{\"name\": \"k\", \"roles\": [\"rituals\"]}", 'A'),
                new Endpoint("DELETE", "/admin/api-keys/" + UUID.randomUUID(), null, 'A'),
                new Endpoint("POST", a + "/deregister", null, 'S'));
    }

    static String expected(char access, Who who) {
        if (access == 'P') {
            return "allowed";
        }
        if (who == Who.NONE || who == Who.WRONG) {
            return "401";
        }
        boolean allowed = switch (access) {
            case 'R' -> who == Who.RITUALS_KEY || who == Who.ADMIN_KEY;
            case 'G' -> who == Who.AGENT_KEY || who == Who.ADMIN_KEY;
            case 'S' -> who == Who.AGENT_TOKEN || who == Who.ADMIN_KEY;
            case 'L' -> who == Who.AGENT_TOKEN;
            default -> who == Who.ADMIN_KEY;
        };
        return allowed ? "allowed" : "403";
    }

    @Test
    void everyEndpointAnswers401403OrLetsThroughAsDocumented() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Endpoint e : endpoints()) {
            for (Who who : Who.values()) {
                RequestSpecification request = switch (who) {
                    case NONE -> Api.request().contentType("application/json");
                    case WRONG -> Api.as("hk_not-a-real-key");
                    case AGENT_TOKEN -> agent.call();
                    case AGENT_KEY -> Api.as(agentKey);
                    case RITUALS_KEY -> Api.as(ritualsKey);
                    case ADMIN_KEY -> Api.admin();
                };
                if (e.body() != null) {
                    request = request.body(e.body());
                }
                Response response = request.request(e.method(), e.path());
                int status = response.statusCode();
                // let through means handled: a 4xx of the endpoint's own (404, 409, ...) is fine, a 5xx is not
                String actual = status == 401 || status == 403 ? Integer.toString(status)
                        : status >= 500 ? "error " + status : "allowed";
                String expected = expected(e.access(), who);
                if (!actual.equals(expected)) {
                    wrong.add(e.method() + " " + e.path() + " as " + who + ": expected " + expected + ", got " + status);
                }
                if (status == 401 || status == 403) {
                    assertTrue(response.contentType().startsWith("application/problem+json"), e.path());
                }
                checked++;
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(endpoints().size() * Who.values().length, checked);
    }

    @Test
    void theMatrixCoversEveryEndpointOfTheApplication() throws Exception {
        java.util.Set<String> covered = new java.util.TreeSet<>();
        for (Endpoint e : endpoints()) {
            String path = e.path().replaceAll("\\?.*", "")
                    .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}")
                    .replaceAll("/steps/[0-9]+", "/steps/{n}");
            covered.add(e.method() + " " + path);
        }
        List<String> missing = Endpoints.all().stream().filter(endpoint -> !covered.contains(endpoint)).toList();
        assertEquals(List.of(), missing, "endpoints the security matrix does not check");
    }

    @Test
    void anAgentCannotActAsAnother() {
        agent.call().body(Map.of("workload", 1)).post("/api/agents/" + other.id + "/heartbeat").then().statusCode(403);
        agent.call().post("/api/agents/" + other.id + "/lease?wait_seconds=0").then().statusCode(403);
        agent.call().post("/api/agents/" + other.id + "/deregister").then().statusCode(403);
    }

    @Test
    void aRevokedKeyStopsWorkingAtOnce() {
        Map<String, Object> created = Api.admin().body(Map.of("name", "temp", "roles", List.of("rituals")))
                .post("/admin/api-keys").then().statusCode(201).extract().as(Map.class);
        String key = (String) created.get("key");
        Api.as(key).get("/api/rituals").then().statusCode(200);

        Api.admin().delete("/admin/api-keys/" + created.get("id")).then().statusCode(204);

        Api.as(key).get("/api/rituals").then().statusCode(401);
        List<Map<String, Object>> keys = Api.admin().get("/admin/api-keys").path("keys");
        assertTrue(keys.stream().noneMatch(k -> k.containsKey("key") || k.containsKey("key_hash")));
        Api.admin().delete("/admin/api-keys/" + created.get("id")).then().statusCode(204);
    }
}

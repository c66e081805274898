package org.helix.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.helix.support.WsClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clients written for the Helix Hub keep working: every field they read (the original API reference and its
 * Python and JavaScript examples), read the way they read it — REST, the discovery manifest, /ws/stats, and each
 * event type over a real WebSocket. A field renamed or moved here breaks those clients.
 */
@QuarkusTest
class HelixHubClientsTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void theRestBasicsHaveTheFieldsTheClientsRead() {
        JsonPath status = Api.request().get("/status").then().statusCode(200).extract().jsonPath();
        for (String metric : List.of("harmony", "resilience", "prana", "drishti", "klesha", "zoom")) {
            assertInstanceOf(Number.class, status.get("ucf." + metric), metric);
        }
        assertNotNull(status.getString("phase"));
        assertInstanceOf(Number.class, status.get("agents.count"));
        assertInstanceOf(List.class, status.get("agents.active"));
        assertNotNull(status.get("uptime"));
        assertNotNull(status.getString("timestamp"));
        JsonPath ucf = Api.request().get("/ucf").then().statusCode(200).extract().jsonPath();
        assertInstanceOf(Number.class, ucf.get("harmony"));
        assertNotNull(ucf.getString("phase"));
        Api.request().get("/health").then().statusCode(200);
    }

    @Test
    void workloadIsAFractionOfCapacityEverywhere() throws Exception {
        TestAgent kael = TestAgent.register("Kael");
        kael.call().body(Map.of("workload", 0.42)).post("/api/agents/" + kael.id + "/heartbeat").then().statusCode(200);
        JsonPath agents = Api.request().get("/agents").then().statusCode(200).extract().jsonPath();
        assertEquals(0.42, agents.getDouble("agents.find { it.name == 'Kael' }.workload"), 1e-9);
        for (Object whole : List.of(0, 1)) {
            kael.call().body(Map.of("workload", whole)).post("/api/agents/" + kael.id + "/heartbeat").then().statusCode(200);
        }
        for (Object outside : List.of(1.5, -0.1, 42)) {
            kael.call().body(Map.of("workload", outside)).post("/api/agents/" + kael.id + "/heartbeat").then()
                    .statusCode(400).contentType("application/problem+json");
        }
        Api.as(Api.ADMIN_KEY).body(Map.of("name", "Lumina", "workload", 0.25)).contentType("application/json")
                .post("/api/agents").then().statusCode(201);
        assertEquals(0.25, Api.request().get("/agents").jsonPath().getDouble("agents.find { it.name == 'Lumina' }.workload"), 1e-9);
    }

    @Test
    void theDiscoveryManifestAndWsStatsHaveTheHubsFields() {
        TestAgent.register("Vega");
        JsonPath manifest = Api.request().get("/.well-known/helix.json").then().statusCode(200).extract().jsonPath();
        for (String field : List.of("name", "version", "description", "base_url", "last_updated")) {
            assertNotNull(manifest.getString(field), field);
        }
        for (String endpoint : List.of("status", "ucf", "agents", "websocket")) {
            assertNotNull(manifest.getString("endpoints." + endpoint), endpoint);
        }
        assertTrue(manifest.getString("endpoints.websocket").startsWith("ws://"));
        assertInstanceOf(Map.class, manifest.get("portals"));
        assertEquals(List.of("Vega"), manifest.getList("agents.name"));
        assertEquals(List.of("harmony", "resilience", "prana", "drishti", "klesha", "zoom"), manifest.getList("ucf_metrics"));

        JsonPath stats = Api.request().get("/ws/stats").then().statusCode(200).extract().jsonPath();
        for (String field : List.of("active_connections", "total_connections_today", "messages_sent_today", "uptime")) {
            assertInstanceOf(Number.class, stats.get(field), field);
        }
    }

    @Test
    void everyEventTypeHasTheShapeTheClientsRead() throws Exception {
        // harmony just below its alert threshold: even a 2-step ritual lifts it across, which raises an alert
        TestDb.execute("update ucf_state set harmony = 0.2995");
        try (WsClient ws = WsClient.connect(RestAssured.port, null)) {
            JsonObject hello = ws.next(5);
            assertEquals("session", hello.getString("event"));
            assertNotNull(hello.getString("timestamp"));
            assertInstanceOf(Number.class, hello.getValue("id"), "the greeting's id is where the stream starts");

            TestAgent kael = TestAgent.register("Kael");
            kael.call().body(Map.of("workload", 0.5)).post("/api/agents/" + kael.id + "/heartbeat");
            UUID ritual = Api.startRitual(Map.of("steps", 2, "participants", List.of("Kael")));
            kael.complete(kael.lease(5)).then().statusCode(200);
            kael.complete(kael.lease(5)).then().statusCode(200);
            kael.call().post("/api/agents/" + kael.id + "/deregister").then().statusCode(200);

            Map<String, JsonObject> seen = new java.util.HashMap<>();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 4) {
                JsonObject e = ws.next(1);
                assertTrue(System.nanoTime() < deadline, "after 10 s only " + seen.keySet());
                if (e == null) {
                    continue;
                }
                String type = e.getString("event");
                if (!type.equals("agent_state_change") || "OFFLINE".equals(e.getString("new_status"))) {
                    seen.putIfAbsent(type, e);
                }
                seen.remove("ritual_progress");
            }
            JsonObject update = seen.get("ucf_update");
            for (String metric : List.of("harmony", "resilience", "prana", "drishti", "klesha", "zoom")) {
                assertInstanceOf(Number.class, update.getJsonObject("ucf").getValue(metric), metric);
            }
            assertNotNull(update.getString("phase"));
            assertNotNull(update.getString("timestamp"));

            JsonObject completion = seen.get("ritual_completion");
            assertEquals(ritual.toString(), completion.getString("ritual_id"));
            assertEquals(2, completion.getJsonObject("ritual").getInteger("steps"));
            assertInstanceOf(Number.class, completion.getJsonObject("ritual").getValue("duration_seconds"));
            assertTrue(completion.getJsonObject("ucf_after").getDouble("harmony")
                    > completion.getJsonObject("ucf_before").getDouble("harmony"));

            JsonObject alert = seen.get("alert");
            assertEquals("info", alert.getString("severity"), "harmony recovered");
            assertTrue(alert.getString("message").contains("harmony"), alert.encode());
            assertNotNull(alert.getString("recommended_action"));

            JsonObject left = seen.get("agent_state_change");
            assertEquals("Kael", left.getString("agent"));
            assertEquals("ONLINE", left.getString("old_status"));
            assertEquals("OFFLINE", left.getString("new_status"));
            assertInstanceOf(Number.class, left.getValue("workload"));
            for (JsonObject e : List.of(update, completion, alert, left)) {
                assertNotNull(e.getString("timestamp"), e.encode());
                assertInstanceOf(Number.class, e.getValue("id"), e.encode());
            }
        }
    }
}

package org.helix.ucf;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

/** What portals and load balancers read without credentials. */
@QuarkusTest
class PublicEndpointsTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void healthIsAnEmptyObject() {
        Api.request().get("/health").then().statusCode(200).body("size()", equalTo(0));
        Api.request().get("/q/health/live").then().statusCode(200);
        Api.request().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void statusShowsTheFieldTheAgentsAndRitualCounts() {
        TestAgent kael = TestAgent.register("Kael");
        TestAgent vega = TestAgent.register("Vega");
        vega.call().post("/api/agents/" + vega.id + "/deregister").then().statusCode(200);
        Api.startRitual(Map.of("steps", 1));
        kael.complete(kael.lease(1)).then().statusCode(200);
        Api.startRitual(Map.of("steps", 2));

        for (String path : List.of("/status", "/api/status")) {
            Api.request().get(path).then().statusCode(200)
                    .body("ucf.harmony", greaterThan(0.5))
                    .body("phase", notNullValue())
                    .body("agents.count", equalTo(2))
                    .body("agents.active", equalTo(List.of("Kael")))
                    .body("rituals.completed", equalTo(1))
                    .body("rituals", hasKey("timed_out"))
                    .body("uptime", greaterThan(0.0))
                    .body("timestamp", notNullValue());
        }
    }

    @Test
    void ucfShowsTheSixMetricsAndThePhase() {
        Api.request().get("/ucf").then().statusCode(200)
                .body("harmony", closeTo(0.5, 1e-9)).body("resilience", closeTo(1.0, 1e-9))
                .body("prana", closeTo(0.6, 1e-9)).body("drishti", closeTo(0.6, 1e-9))
                .body("klesha", closeTo(0.3, 1e-9)).body("zoom", closeTo(0.7, 1e-9))
                .body("phase", equalTo("STABLE")).body("timestamp", notNullValue());
    }

    @Test
    void historyBucketsTheFieldAndCarriesTheLatestValueForward() {
        TestDb.execute("update ucf_history set recorded_at = now() - interval '2 hours'");
        TestAgent kael = TestAgent.register("Kael");
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        kael.complete(kael.lease(1)).then().statusCode(200);
        double after = Api.ritual(ritual).path("harmony_after");

        List<Map<String, Object>> points = Api.request()
                .get("/ucf/history?duration=1h&interval=5m&metrics=harmony,klesha").then().statusCode(200)
                .body("metrics", equalTo(List.of("harmony", "klesha")))
                .extract().path("points");

        org.junit.jupiter.api.Assertions.assertEquals(12, points.size());
        Map<String, Object> last = points.get(points.size() - 1);
        org.junit.jupiter.api.Assertions.assertEquals(after, (Double) last.get("harmony"), 1e-9);
        org.junit.jupiter.api.Assertions.assertFalse(last.containsKey("prana"));
        org.junit.jupiter.api.Assertions.assertEquals(0.5, (Double) points.get(0).get("harmony"), 1e-9);
    }

    @Test
    void agentsListsEveryAgentWithItsLiveness() {
        TestAgent.register("Kael");
        Api.request().get("/agents").then().statusCode(200)
                .body("total", equalTo(1)).body("active", equalTo(1))
                .body("agents[0].name", equalTo("Kael")).body("agents[0].status", equalTo("ONLINE"))
                .body("agents[0].last_heartbeat_at", notNullValue())
                .body("agents[0]", hasKey("workload")).body("agents[0]", hasKey("symbol"));
    }

    @Test
    void discoveryManifestPointsAtTheApiTheDocsAndTheWebSocket() {
        Api.request().get("/.well-known/helix.json").then().statusCode(200)
                .body("websocket", startsWith("ws://")).body("websocket", endsWith("/ws"))
                .body("docs", endsWith("/docs")).body("openapi", endsWith("/q/openapi"))
                .body("endpoints.rituals", endsWith("/api/rituals"))
                .body("version", notNullValue());
    }
}

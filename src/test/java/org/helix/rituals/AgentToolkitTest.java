package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data between steps, step heartbeats and routing by capability, through the agent protocol. */
@QuarkusTest
class AgentToolkitTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    private static Response lease(TestAgent agent) {
        return agent.call().post("/api/agents/" + agent.id + "/lease?wait_seconds=5&max=1");
    }

    private static Response complete(TestAgent agent, Map<String, Object> lease, Map<String, Object> output,
                                     boolean leaseNext) {
        Map<String, Object> body = new HashMap<>();
        body.put("lease_token", lease.get("lease_token"));
        body.put("lease_next", leaseNext);
        if (output != null) {
            body.put("output", output);
        }
        return agent.call().body(body).post("/api/rituals/" + lease.get("ritual_id") + "/steps/" + lease.get("step")
                + "/complete");
    }

    private static Response stepHeartbeat(TestAgent agent, Map<String, Object> lease, Map<String, Object> progress) {
        Map<String, Object> body = new HashMap<>();
        body.put("lease_token", lease.get("lease_token"));
        if (progress != null) {
            body.put("progress", progress);
        }
        return agent.call().body(body).post("/api/rituals/" + lease.get("ritual_id") + "/steps/" + lease.get("step")
                + "/heartbeat");
    }

    @Test
    void everyLeaseCarriesTheInputAndThePreviousStepsOutput() {
        TestAgent kael = TestAgent.register("Kael");
        UUID ritual = Api.startRitual(Map.of("steps", 4, "input", Map.of("city", "Varanasi", "bells", 3)));
        Api.ritual(ritual).then().body("input.city", equalTo("Varanasi"));

        Map<String, Object> first = lease(kael).then().statusCode(200).extract().path("leases[0]");
        assertEquals(Map.of("city", "Varanasi", "bells", 3), first.get("input"));
        assertNull(first.get("previous_output"), "step 1 has no predecessor");
        complete(kael, first, Map.of("rung", 1), false).then().statusCode(200);

        Map<String, Object> second = lease(kael).then().statusCode(200).extract().path("leases[0]");
        assertEquals(Map.of("rung", 1), second.get("previous_output"));
        Map<String, Object> third = complete(kael, second, Map.of("rung", 2), true).then().statusCode(200)
                .extract().path("next_lease");
        assertEquals(Map.of("rung", 2), third.get("previous_output"), "the eager next lease carries it too");
        assertEquals(Map.of("city", "Varanasi", "bells", 3), third.get("input"));

        Api.admin().post("/admin/rituals/" + ritual + "/steps/3/skip").then().statusCode(200);
        Map<String, Object> fourth = lease(kael).then().statusCode(200).extract().path("leases[0]");
        assertEquals(4, fourth.get("step"));
        assertNull(fourth.get("previous_output"), "step 3 was skipped: no output");

        JsonPath steps = Api.admin().get("/api/rituals/" + ritual + "/steps").jsonPath();
        assertEquals(Map.of("rung", 1), steps.getMap("steps[0].output"));
        assertEquals(Map.of("rung", 2), steps.getMap("steps[1].output"));
    }

    @Test
    void inputAndOutputAreBoundedJsonObjects() {
        for (Object bad : List.of(5, "text", List.of(1, 2), Map.of("pad", "x".repeat(17_000)))) {
            Api.admin().body(Map.of("steps", 1, "input", bad)).post("/api/rituals").then().statusCode(400)
                    .contentType("application/problem+json").body("detail", containsString("input"));
        }
        TestAgent kael = TestAgent.register("Kael");
        Api.startRitual(Map.of("steps", 1));
        Map<String, Object> lease = lease(kael).then().statusCode(200).extract().path("leases[0]");
        complete(kael, lease, Map.of("pad", "x".repeat(17_000)), false).then().statusCode(400)
                .body("detail", containsString("output"));
        complete(kael, lease, Map.of("pad", "ok"), false).then().statusCode(200);
    }

    @Test
    void aStepHeartbeatKeepsALongStepAliveAndReportsProgress() throws InterruptedException {
        TestAgent kael = TestAgent.register("Kael");
        UUID ritual = Api.startRitual(Map.of("steps", 1, "step_timeout_seconds", 30, "heartbeat_timeout_seconds", 2));
        Map<String, Object> lease = lease(kael).then().statusCode(200).extract().path("leases[0]");
        assertEquals(2, lease.get("heartbeat_timeout_seconds"));

        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        int beats = 0;
        while (System.nanoTime() < until) { // twice the heartbeat timeout, alive all along
            Response beat = stepHeartbeat(kael, lease, Map.of("done", ++beats));
            beat.then().statusCode(200);
            OffsetDateTime due = OffsetDateTime.parse(beat.path("heartbeat_due_at"));
            assertTrue(due.isAfter(OffsetDateTime.now().plusSeconds(1)), "due about 2 s from now: " + due);
            assertNotNull(beat.path("lease_expires_at"));
            Thread.sleep(500); // the agent's own heartbeat interval, a quarter of the timeout
        }
        Api.admin().get("/api/rituals/" + ritual + "/steps").then().body("steps[0].status", equalTo("LEASED"))
                .body("steps[0].progress.done", equalTo(beats));
        complete(kael, lease, null, false).then().statusCode(200);
        Api.admin().get("/api/rituals/" + ritual + "/steps").then().body("steps[0].progress", nullValue());
    }

    @Test
    void aMissedStepHeartbeatLosesTheAttemptAndTheAgentIsTold() {
        TestAgent kael = TestAgent.register("Kael");
        TestAgent vega = TestAgent.register("Vega");
        UUID ritual = Api.startRitual(Map.of("steps", 1, "heartbeat_timeout_seconds", 1, "participants", List.of("Kael")));
        Map<String, Object> lease = lease(kael).then().statusCode(200).extract().path("leases[0]");

        stepHeartbeat(vega, lease, null).then().statusCode(403);
        kael.call().body(Map.of("progress", Map.of())).post("/api/rituals/" + ritual + "/steps/1/heartbeat").then()
                .statusCode(400).body("detail", containsString("lease_token"));
        kael.call().body("{\"lease_token\": \"" + lease.get("lease_token") + "\", \"progress\": 7}")
                .post("/api/rituals/" + ritual + "/steps/1/heartbeat").then().statusCode(400);

        // silent for the heartbeat timeout: the sweep takes the attempt away within about a second
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> Api.admin().get("/api/rituals/" + ritual + "/steps")
                .then().body("steps[0].status", equalTo("READY")).body("steps[0].error", equalTo("heartbeat_timeout"))
                .body("steps[0].attempt", equalTo(1))); // counted: the attempt is not given back
        stepHeartbeat(kael, lease, null).then().statusCode(409);
        complete(kael, lease, null, false).then().statusCode(409);
        JsonPath told = kael.heartbeat().then().statusCode(200).extract().jsonPath();
        assertEquals(ritual.toString(), told.getString("revoked[0].ritual_id"));
        assertEquals(1, told.getInt("revoked[0].attempt"));
        assertEquals("heartbeat_timeout", told.getString("revoked[0].reason"));
        assertTrue(Api.request().get("/q/metrics").asString().contains("helix_leases_revoked_total{reason=\"heartbeat_timeout\"} 1.0"));
    }

    @Test
    void theHeartbeatTimeoutIsBoundedByTheStepTimeout() {
        Api.admin().body(Map.of("step_timeout_seconds", 10, "heartbeat_timeout_seconds", 11)).post("/api/rituals")
                .then().statusCode(400).body("errors[0].field", equalTo("heartbeat_timeout_seconds"));
        Api.admin().body(Map.of("heartbeat_timeout_seconds", 0)).post("/api/rituals").then().statusCode(400);
        Api.admin().body(Map.of("step_timeout_seconds", 10, "heartbeat_timeout_seconds", 10)).post("/api/rituals")
                .then().statusCode(202);
    }

    @Test
    void onlyAgentsWithTheRequiredCapabilitiesLeaseAndTheRitualSaysWhyItWaits() {
        TestAgent plain = TestAgent.register("Plain");
        UUID ritual = Api.startRitual(Map.of("steps", 1, "required_capabilities", List.of("gpu", "incense")));
        assertEquals(204, plain.call().post("/api/agents/" + plain.id + "/lease?wait_seconds=1&max=1").statusCode());
        Api.ritual(ritual).then().body("waiting_reason", equalTo("no online agent has the required capabilities gpu, incense"))
                .body("required_capabilities", equalTo(List.of("gpu", "incense")));

        Response registered = Api.admin().body(Map.of("name", "Able", "capabilities", List.of("incense", "gpu", "bells")))
                .post("/api/agents");
        registered.then().statusCode(201);
        TestAgent able = TestAgent.of("Able", UUID.fromString(registered.path("agent_id")), registered.path("token"));
        Map<String, Object> lease = lease(able).then().statusCode(200).extract().path("leases[0]");
        assertEquals(ritual.toString(), lease.get("ritual_id"));

        for (Object bad : List.of(List.of(""), "gpu", java.util.Collections.nCopies(33, "x"))) {
            Api.admin().body(Map.of("required_capabilities", bad)).post("/api/rituals").then().statusCode(400)
                    .contentType("application/problem+json");
        }
    }
}

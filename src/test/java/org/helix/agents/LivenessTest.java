package org.helix.agents;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Heartbeats and agent status (test profile: heartbeat 1 s, STALE after 2 s, OFFLINE after 3 s). */
@QuarkusTest
class LivenessTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    static String status(String name) {
        List<Map<String, Object>> agents = Api.request().get("/agents").path("agents");
        return (String) agents.stream().filter(a -> a.get("name").equals(name)).findFirst().orElseThrow().get("status");
    }

    @Test
    void heartbeatsKeepAnAgentOnlineWhileASilentOneGoesStaleThenOffline() throws Exception {
        TestAgent steady = TestAgent.register("Steady");
        TestAgent.register("Silent");
        java.util.concurrent.ScheduledExecutorService beat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        beat.scheduleAtFixedRate(() -> steady.heartbeat().then().statusCode(200).body("status", equalTo("ONLINE"))
                .body("next_heartbeat_seconds", equalTo(1)), 0, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            await().atMost(Duration.ofSeconds(4)).until(() -> status("Silent").equals("STALE"));
            assertEquals("ONLINE", status("Steady"));
            await().atMost(Duration.ofSeconds(4)).until(() -> status("Silent").equals("OFFLINE"));
            assertEquals("ONLINE", status("Steady"));
        } finally {
            beat.shutdownNow();
        }

        assertEquals(1, TestDb.count("select count(*) from event where type = 'agent_state_change' and payload->>'agent' = 'Silent' and payload->>'new_status' = 'STALE'"));
        assertEquals(1, TestDb.count("select count(*) from event where type = 'agent_state_change' and payload->>'agent' = 'Silent' and payload->>'new_status' = 'OFFLINE'"));
        assertEquals(0, TestDb.count("select count(*) from event where type = 'agent_state_change' and payload->>'agent' = 'Steady' and payload->>'new_status' <> 'ONLINE'"));
    }

    @Test
    void anOfflineAgentsLeaseIsRevokedGivenToAnotherAndReportedInItsNextHeartbeat() {
        TestAgent dying = TestAgent.register("Dying");
        TestAgent other = TestAgent.register("Other");
        UUID ritual = Api.startRitual(Map.of("steps", 2, "step_timeout_seconds", 600,
                "participants", List.of("Dying", "Other")));
        TestAgent.Lease lease = dying.lease(1);

        await().atMost(Duration.ofSeconds(8)).until(() -> status("Dying").equals("OFFLINE"));
        TestAgent.Lease taken = null;
        for (int i = 0; i < 10 && taken == null; i++) {
            other.heartbeat();
            taken = other.lease(1);
        }

        assertNotNull(taken, "the step went back to READY for another participant");
        assertEquals(ritual, taken.ritualId());
        assertEquals(2, taken.attempt());
        dying.complete(lease).then().statusCode(409);
        dying.heartbeat().then().statusCode(200).body("revoked", hasSize(1))
                .body("revoked[0].ritual_id", equalTo(ritual.toString())).body("revoked[0].step", equalTo(1))
                .body("revoked[0].reason", equalTo("agent offline"));
        dying.heartbeat().then().body("revoked", hasSize(0));
    }

    @Test
    void reRegistrationStartsANewEpochAndRevokesTheOldLeasesAtOnce() {
        TestAgent first = TestAgent.register("Phoenix");
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        TestAgent.Lease lease = first.lease(1);

        TestAgent reborn = TestAgent.register("Phoenix");

        assertEquals(first.id, reborn.id);
        first.heartbeat().then().statusCode(401);
        Api.request().get("/agents").then().body("agents[0].epoch", equalTo(2));
        TestAgent.Lease again = reborn.lease(3);
        assertEquals(ritual, again.ritualId());
        reborn.complete(lease).then().statusCode(409);
        reborn.complete(again).then().statusCode(200);
    }

    @Test
    void deregisteringReleasesLeasesAtOnceWithoutUsingAnAttempt() {
        TestAgent leaving = TestAgent.register("Leaving");
        TestAgent staying = TestAgent.register("Staying");
        UUID ritual = Api.startRitual(Map.of("steps", 1, "max_attempts", 1));
        leaving.lease(1);

        leaving.call().post("/api/agents/" + leaving.id + "/deregister").then().statusCode(200)
                .body("status", equalTo("OFFLINE"));

        TestAgent.Lease lease = staying.lease(1);
        assertEquals(ritual, lease.ritualId());
        assertEquals(1, lease.attempt(), "a graceful leave gives the attempt back");
        assertEquals("OFFLINE", status("Leaving"));
    }

    @Test
    void aRitualWhoseParticipantsAreAllOfflineSaysSo() {
        TestAgent gone = TestAgent.register("Gone");
        gone.call().post("/api/agents/" + gone.id + "/deregister").then().statusCode(200);

        UUID ritual = Api.startRitual(Map.of("participants", List.of("Gone")));

        Api.ritual(ritual).then().body("waiting_reason", equalTo("all participants are offline: Gone"));
    }

    @Test
    void aReadyStepNobodyLeasesForLongerThanTheStepTimeoutSaysSo() {
        TestAgent.register("Idle");
        TestAgent busy = TestAgent.register("Busy");
        UUID ritual = Api.startRitual(Map.of("participants", List.of("Busy"), "step_timeout_seconds", 1));
        Api.ritual(ritual).then().body("waiting_reason", equalTo(null));

        await().atMost(Duration.ofSeconds(4)).untilAsserted(() -> {
            busy.heartbeat();
            Api.ritual(ritual).then().body("waiting_reason",
                    org.hamcrest.Matchers.matchesPattern(
                            "step 1 has been READY for \\d+ s and no eligible agent has leased it; participants: Busy ONLINE"));
        });
        assertTrue(busy.lease(1) != null);
        Api.ritual(ritual).then().body("waiting_reason", equalTo(null));
    }
}

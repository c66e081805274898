package org.helix.admin;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator's runbook, step by step, each step checked end to end and in the audit log. */
@QuarkusTest
class RecoveryTest {

    TestAgent kael;
    TestAgent vega;

    @BeforeEach
    void clean() {
        TestDb.reset();
        kael = TestAgent.register("Kael");
        vega = TestAgent.register("Vega");
    }

    UUID stalledAt(int step, int steps) {
        UUID ritual = Api.startRitual(Map.of("steps", steps));
        for (int i = 1; i < step; i++) {
            kael.complete(kael.lease(1)).then().statusCode(200);
        }
        kael.fail(kael.lease(1), "the incense ran out", false).then().statusCode(200);
        Api.ritual(ritual).then().body("status", equalTo("STALLED"));
        return ritual;
    }

    void finish(UUID ritual, TestAgent agent) {
        while (!Api.status(ritual).equals("COMPLETED")) {
            TestAgent.Lease lease = agent.lease(1);
            assertNotNull(lease, "work remains for " + ritual);
            agent.complete(lease).then().statusCode(200);
        }
    }

    @Test
    void theStuckListExplainsEachRitual() {
        UUID stalled = stalledAt(1, 3);
        TestAgent gone = TestAgent.register("Gone");
        gone.call().post("/api/agents/" + gone.id + "/deregister").then().statusCode(200);
        UUID orphaned = Api.startRitual(Map.of("participants", List.of("Gone"), "deadline_seconds", 30));
        TestDb.execute("update ritual set last_progress_at = now() - interval '10 minutes'");

        Api.admin().get("/admin/rituals/stuck?no_progress_seconds=60").then().statusCode(200)
                .body("rituals", hasSize(2))
                .body("rituals.find { it.ritual_id == '" + stalled + "' }.reasons.code", hasItem("attempts_exhausted"))
                .body("rituals.find { it.ritual_id == '" + stalled + "' }.reasons[0].detail", containsString("the incense ran out"))
                .body("rituals.find { it.ritual_id == '" + orphaned + "' }.reasons.code", hasItem("participants_offline"))
                .body("rituals.find { it.ritual_id == '" + orphaned + "' }.reasons.code", hasItem("deadline_near"));
        Api.admin().get("/admin/rituals/stuck?no_progress_seconds=3600").then().body("rituals", hasSize(0));
    }

    @Test
    void retryMakesAStalledRitualRunAgainToCompletion() {
        UUID ritual = stalledAt(2, 3);

        Api.admin().post("/admin/rituals/" + ritual + "/steps/2/retry").then().statusCode(200)
                .body("status", equalTo("RUNNING")).body("failure_reason", equalTo(null));
        // the same retry again, by a nervous operator: the step is already offered, nothing changes
        Api.admin().post("/admin/rituals/" + ritual + "/steps/2/retry").then().statusCode(200)
                .body("status", equalTo("RUNNING"));

        TestAgent.Lease lease = vega.lease(1);
        assertEquals(2, lease.step());
        assertEquals(2, lease.attempt(), "a new attempt");
        vega.complete(lease).then().statusCode(200);
        finish(ritual, vega);
        Api.admin().get("/admin/audit?action=step.retry").then().statusCode(200)
                .body("entries", hasSize(2)).body("entries[1].actor", equalTo("key:bootstrap-admin"))
                .body("entries[1].before.status", equalTo("STALLED")).body("entries[1].before.step_status", equalTo("FAILED"))
                .body("entries[1].after.status", equalTo("RUNNING")).body("entries[1].after.step_status", equalTo("READY"))
                .body("entries[1].outcome", equalTo("ok")).body("entries[1].target", equalTo("ritual:" + ritual + "/step:2"))
                .body("entries[0].outcome", equalTo("ok: no change needed"));
        // a completed ritual has nothing to retry
        Api.admin().post("/admin/rituals/" + ritual + "/steps/3/retry").then().statusCode(409);
    }

    @Test
    void skipPassesOverTheStepAndSkippingTheLastCompletesTheRitual() {
        UUID ritual = stalledAt(2, 3);

        Api.admin().post("/admin/rituals/" + ritual + "/steps/2/skip").then().statusCode(200)
                .body("status", equalTo("RUNNING")).body("current_step", equalTo(3)).body("steps_skipped", equalTo(1));
        Api.admin().post("/admin/rituals/" + ritual + "/steps/2/skip").then().statusCode(200); // already done

        TestAgent.Lease lease = vega.lease(1);
        assertEquals(3, lease.step());
        Api.admin().post("/admin/rituals/" + ritual + "/steps/3/skip").then().statusCode(200)
                .body("status", equalTo("COMPLETED")).body("steps_completed", equalTo(1)).body("steps_skipped", equalTo(2));
        vega.complete(lease).then().statusCode(409);
        assertEquals(0.5 + 0.20 * (1 / 108.0) * 1.5 / 2, TestDb.number("select harmony from ucf_state"), 1e-12);
    }

    @Test
    void reassignTakesTheStepFromItsHolderForTheNamedAgent() {
        UUID ritual = Api.startRitual(Map.of("steps", 2));
        TestAgent.Lease held = kael.lease(1);

        Api.admin().body(Map.of("agent", "Vega")).post("/admin/rituals/" + ritual + "/steps/1/reassign").then()
                .statusCode(200).body("status", equalTo("RUNNING"));

        kael.complete(held).then().statusCode(409);
        assertNull(kael.lease(0), "reserved for Vega");
        TestAgent.Lease lease = vega.lease(1);
        assertEquals(1, lease.step());
        assertEquals(1, lease.attempt(), "an operator's move does not use up an attempt");
        kael.heartbeat().then().body("revoked[0].reason", containsString("reassigned to Vega"));
        Api.admin().body(Map.of("agent", "Nobody")).post("/admin/rituals/" + ritual + "/steps/1/reassign").then()
                .statusCode(400);
    }

    @Test
    void aTimedOutRitualResumesToCompletionAndMovesTheFieldOnce() {
        UUID ritual = Api.startRitual(Map.of("steps", 4, "deadline_seconds", 1));
        kael.complete(kael.lease(1)).then().statusCode(200);
        await().atMost(Duration.ofSeconds(4)).until(() -> Api.status(ritual).equals("TIMED_OUT"));
        long history = TestDb.count("select count(*) from ucf_history");

        Api.admin().body(Map.of("deadline_seconds", 120)).post("/admin/rituals/" + ritual + "/resume").then()
                .statusCode(200).body("status", equalTo("RUNNING")).body("steps_completed", equalTo(1))
                .body("current_step", equalTo(2)).body("finished_at", equalTo(null));

        finish(ritual, vega);
        Api.ritual(ritual).then().body("steps_completed", equalTo(4)).body("ucf_after", notNullValue());
        assertEquals(history + 1, TestDb.count("select count(*) from ucf_history"));
        Api.admin().post("/admin/rituals/" + ritual + "/resume").then().statusCode(409)
                .body("detail", containsString("COMPLETED"));
        assertEquals(history + 1, TestDb.count("select count(*) from ucf_history"));
    }

    @Test
    void resumeFromAnEarlierStepRunsItAgain() {
        UUID ritual = stalledAt(3, 3);

        Api.admin().body(Map.of("from_step", 2)).post("/admin/rituals/" + ritual + "/resume").then().statusCode(200)
                .body("current_step", equalTo(2)).body("steps_completed", equalTo(1));

        assertEquals(2, vega.lease(1).step());
        Api.admin().body(Map.of("from_step", 3)).post("/admin/rituals/" + ritual + "/resume").then().statusCode(409);
    }

    @Test
    void terminateEndsARitualAsFailedOnce() {
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease lease = kael.lease(1);

        Api.admin().body(Map.of("reason", "wrong mantra")).post("/admin/rituals/" + ritual + "/terminate").then()
                .statusCode(200).body("status", equalTo("FAILED"))
                .body("failure_reason", equalTo("terminated by an operator: wrong mantra"));
        Api.admin().body(Map.of("reason", "again")).post("/admin/rituals/" + ritual + "/terminate").then().statusCode(200);

        kael.complete(lease).then().statusCode(409);
        assertEquals(1, TestDb.count("select count(*) from event where type = 'ritual_failed'"));
        Api.admin().get("/admin/audit?action=ritual.terminate").then()
                .body("entries.outcome", equalTo(List.of("ok: no change needed", "ok")));
        UUID done = Api.startRitual(Map.of("steps", 1));
        kael.complete(kael.lease(1)).then().statusCode(200);
        Api.admin().post("/admin/rituals/" + done + "/terminate").then().statusCode(409);
        Api.admin().get("/admin/audit?action=ritual.terminate&target=ritual:" + done).then()
                .body("entries[0].outcome", containsString("refused"));
    }

    @Test
    void bulkRecoveryRetriesTwentyStuckRitualsAndReportsEach() {
        List<UUID> rituals = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rituals.add(Api.startRitual(Map.of("steps", 2)));
        }
        for (int i = 0; i < 20; i++) {
            kael.fail(kael.lease(1), "broken bell", false).then().statusCode(200);
        }
        assertEquals(20, TestDb.count("select count(*) from ritual where status = 'STALLED'"));

        Api.admin().body(Map.of("action", "retry", "no_progress_seconds", 0, "limit", 50))
                .post("/admin/rituals/recover").then().statusCode(200)
                .body("found", equalTo(20)).body("results", hasSize(20))
                .body("results.outcome", org.hamcrest.Matchers.everyItem(equalTo("retried")));

        for (UUID ritual : rituals) {
            finish(ritual, vega);
        }
        assertEquals(20, TestDb.count("select count(*) from audit_entry where action = 'step.retry' and outcome = 'ok'"));
        assertEquals(1, TestDb.count("select count(*) from audit_entry where action = 'rituals.recover'"));
    }

    @Test
    void reinitRevokesLeasesAndStartsANewEpochTheAgentMustRegisterFor() {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        TestAgent.Lease lease = kael.lease(1);

        Api.admin().body(Map.of("agents", List.of("Kael"))).post("/admin/agents/reinit").then().statusCode(200)
                .body("agents[0].name", equalTo("Kael")).body("agents[0].epoch", equalTo(2))
                .body("agents[0].revoked", equalTo(1));

        kael.heartbeat().then().statusCode(401);
        TestAgent again = TestAgent.register("Kael");
        TestAgent.Lease retaken = again.lease(1);
        assertEquals(ritual, retaken.ritualId());
        assertEquals(1, retaken.attempt());
        again.complete(lease).then().statusCode(409);
        Api.admin().body(Map.of("agents", List.of("Kael", "Ghost"))).post("/admin/agents/reinit").then().statusCode(404);
        assertEquals(1, TestDb.count("select count(*) from audit_entry where action = 'agents.reinit' and outcome = 'ok'"));
    }
}

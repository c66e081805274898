package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-step timeouts, retries with backoff, stalls and the global deadline (test profile: sweeps every second). */
@QuarkusTest
class TimeoutsAndDeadlinesTest {

    TestAgent kael;
    TestAgent vega;

    @BeforeEach
    void clean() {
        TestDb.reset();
        kael = TestAgent.register("Kael");
        vega = TestAgent.register("Vega");
    }

    @Test
    void aSilentAgentsStepIsReassignedWithAttempt2AndItsTokenRefused() {
        UUID ritual = Api.startRitual(Map.of("steps", 2, "step_timeout_seconds", 1));
        TestAgent.Lease first = kael.lease(1);
        assertEquals(1, first.attempt());

        TestAgent.Lease second = vega.lease(5);

        assertNotNull(second, "the expired step went to another agent");
        assertEquals(ritual, second.ritualId());
        assertEquals(1, second.step());
        assertEquals(2, second.attempt());
        kael.complete(first).then().statusCode(409);
        vega.complete(second).then().statusCode(200);
        Map<String, Object> step = steps(ritual).get(0);
        assertEquals("COMPLETED", step.get("status"));
        assertEquals("Vega", step.get("agent"));
        assertEquals(1, TestDb.count("select count(*) from lease_revocation where reason = 'timeout'"));
    }

    @Test
    void aLostAttemptOfAParticipantsOnlyRitualWakesItsParticipantNotTheAgentsWaitingFirst() throws Exception {
        UUID ritual = Api.startRitual(Map.of("steps", 1, "step_timeout_seconds", 1, "participants", List.of("Kael")));
        assertEquals(ritual, kael.lease(1).ritualId());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            // three agents that may not take the step park their long-polls before the participant does
            for (int i = 0; i < 3; i++) {
                TestAgent bystander = TestAgent.register("Bystander" + i);
                pool.submit(() -> bystander.lease(20));
            }
            Thread.sleep(300);
            long parked = System.nanoTime();
            Future<TestAgent.Lease> retry = pool.submit(() -> kael.lease(20));

            TestAgent.Lease again = retry.get(30, TimeUnit.SECONDS);
            long waited = (System.nanoTime() - parked) / 1_000_000;
            assertNotNull(again);
            assertEquals(2, again.attempt());
            // timeout 1 s + sweep ≤ 1 s + backoff 200 ms + preference for others 500 ms, far from the 20 s long-poll
            assertTrue(waited < 5_000, "the participant got its retry after " + waited + " ms");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void leasesLeftInRitualsThatEndedNeitherCrowdOutRealTimeoutsNorStayLeased() {
        UUID ended = Api.startRitual(Map.of("steps", 600));
        Api.admin().post("/api/rituals/" + ended + "/cancel").then().statusCode(200);
        // what a lease racing the cancellation leaves behind, 600 times: more than one sweep batch
        TestDb.execute("update step set status = 'LEASED', agent_id = (select id from agent where name = 'Kael'),"
                + " lease_token = gen_random_uuid(), lease_expires_at = now() - interval '1 hour'"
                + " where ritual_id = '" + ended + "'");
        UUID live = Api.startRitual(Map.of("steps", 1, "step_timeout_seconds", 1));
        assertEquals(live, kael.lease(1).ritualId());

        TestAgent.Lease retried = vega.lease(5);

        assertNotNull(retried, "the real expired lease was swept despite the leftovers");
        assertEquals(2, retried.attempt());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(0,
                TestDb.count("select count(*) from step where status = 'LEASED' and ritual_id = '" + ended + "'")));
    }

    @Test
    void theLostAttemptBacksOffBeforeTheStepIsOfferedAgain() {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        TestAgent.Lease lease = kael.lease(1);
        OffsetDateTime failedAt = OffsetDateTime.now();

        kael.fail(lease, "flaky", true).then().statusCode(200)
                .body("status", equalTo("READY")).body("attempt", equalTo(1)).body("ritual_status", equalTo("RUNNING"));

        OffsetDateTime readyAt = OffsetDateTime.parse((String) steps(ritual).get(0).get("ready_at"));
        long backoff = Duration.between(failedAt, readyAt).toMillis();
        assertTrue(backoff >= 140 && backoff <= 260, "200 ms ± 20 % (test profile), was " + backoff);
        assertNull(vega.lease(0), "not offered during the backoff");
        TestAgent.Lease again = vega.lease(3);
        assertNotNull(again);
        assertEquals(2, again.attempt());
        assertTrue(Duration.between(readyAt, OffsetDateTime.now()).toMillis() >= 0);
    }

    @Test
    void theBackoffDoublesWithEachLostAttemptUpToItsCap() {
        UUID ritual = Api.startRitual(Map.of("steps", 1, "max_attempts", 5));
        List<TestAgent> turns = List.of(kael, vega);
        List<Long> expected = List.of(200L, 400L, 800L, 1_000L); // test profile: 200 ms × 2^(n-1), at most 1 s
        for (int n = 0; n < expected.size(); n++) {
            TestAgent agent = turns.get(n % 2);
            TestAgent.Lease lease = agent.lease(3);
            assertNotNull(lease, "attempt " + (n + 1) + " offered");
            assertEquals(n + 1, lease.attempt());
            OffsetDateTime failedAt = OffsetDateTime.now();
            agent.fail(lease, "flaky " + (n + 1), true).then().statusCode(200);
            OffsetDateTime readyAt = OffsetDateTime.parse((String) steps(ritual).get(0).get("ready_at"));
            long backoff = Duration.between(failedAt, readyAt).toMillis();
            long want = expected.get(n);
            assertTrue(backoff >= want * 0.8 - 60 && backoff <= want * 1.2 + 60,
                    "backoff after attempt " + (n + 1) + ": " + want + " ms ± 20 %, was " + backoff);
        }
    }

    @Test
    void theAgentThatLostAnAttemptIsPassedOverWhileAnotherCanTakeTheStep() {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        kael.fail(kael.lease(1), "flaky", true).then().statusCode(200);

        // after the backoff Kael asks first, but the step prefers another agent for 500 ms (test profile)
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        assertNull(kael.lease(0));
        TestAgent.Lease lease = vega.lease(2);
        assertEquals(ritual, lease.ritualId());
    }

    @Test
    void exhaustedAttemptsStallTheRitualWithTheReason() {
        UUID ritual = Api.startRitual(Map.of("steps", 3, "max_attempts", 2, "step_timeout_seconds", 1));
        assertEquals(1, kael.lease(1).attempt());
        assertEquals(2, vega.lease(5).attempt());

        await().atMost(Duration.ofSeconds(5)).until(() -> Api.status(ritual).equals("STALLED"));

        Api.ritual(ritual).then()
                .body("failure_reason", equalTo("step 1 failed after 2 attempt(s): timeout"))
                .body("waiting_reason", containsString("waiting for an operator"));
        assertEquals("FAILED", steps(ritual).get(0).get("status"));
        assertNull(kael.lease(1), "a stalled ritual offers nothing");
    }

    @Test
    void aNonRetryableFailureStallsAtOnce() {
        UUID ritual = Api.startRitual(Map.of("steps", 3));

        kael.fail(kael.lease(1), "the mantra is corrupt", false).then().statusCode(200)
                .body("status", equalTo("FAILED")).body("ritual_status", equalTo("STALLED"));

        Api.ritual(ritual).then().body("status", equalTo("STALLED"))
                .body("failure_reason", equalTo("step 1 failed after 1 attempt(s): the mantra is corrupt"));
        assertEquals("the mantra is corrupt", steps(ritual).get(0).get("error"));
    }

    @Test
    void theDeadlineTimesOutARitualWithinASweepAndLeavesTheFieldAlone() {
        double harmony = TestDb.number("select harmony from ucf_state");
        UUID ritual = Api.startRitual(Map.of("steps", 5, "deadline_seconds", 1, "step_timeout_seconds", 30));
        TestAgent.Lease first = kael.lease(1);
        kael.complete(first).then().statusCode(200);
        TestAgent.Lease second = kael.lease(1);

        // one sweep interval (1 s in the test profile, as by default) after the deadline, plus the sweep itself
        await().atMost(Duration.ofMillis(2_500)).pollInterval(Duration.ofMillis(50))
                .until(() -> Api.status(ritual).equals("TIMED_OUT"));

        kael.complete(second).then().statusCode(409);
        double late = TestDb.number("select extract(epoch from finished_at - deadline_at) from ritual");
        System.out.printf("MEASURED deadline -> TIMED_OUT: %.3f s%n", late);
        assertTrue(late >= 0 && late <= 1.5, "within one sweep interval (1 s) plus the sweep, was " + late);
        Api.ritual(ritual).then().body("steps_completed", equalTo(1)).body("finished_at", notNullValue())
                .body("failure_reason", equalTo("deadline exceeded")).body("ucf_after", org.hamcrest.Matchers.nullValue());
        assertEquals(harmony, TestDb.number("select harmony from ucf_state"), 0);
        assertEquals(1, TestDb.count("select count(*) from event where type = 'ritual_timeout'"));
        assertEquals(2, steps(ritual).stream().filter(s -> s.get("completed_at") != null || "READY".equals(s.get("status"))).count(),
                "progress stays queryable: step 1 done, step 2 back to READY for a resume");
    }

    static List<Map<String, Object>> steps(UUID ritual) {
        return Api.admin().get("/api/rituals/" + ritual + "/steps").path("steps");
    }
}

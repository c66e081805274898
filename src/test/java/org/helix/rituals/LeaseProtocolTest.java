package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class LeaseProtocolTest {

    @Inject
    LeaseWaiters waiters;

    @Inject
    Vertx vertx;

    TestAgent kael;
    TestAgent vega;

    @BeforeEach
    void clean() {
        TestDb.reset();
        kael = TestAgent.register("Kael");
        vega = TestAgent.register("Vega");
    }

    /** A long-poll whose query returns within a millisecond of its deadline waits on an event loop for less than that. */
    @Test
    void aLongPollWithLessThanAMillisecondLeftIsStillAnswered() throws Exception {
        CompletableFuture<Boolean> answered = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> waiters.arm("Kael").await(Duration.ofNanos(400_000))
                .subscribe().with(answered::complete, answered::completeExceptionally));

        assertEquals(false, answered.get(2, TimeUnit.SECONDS));
    }

    @Test
    void staleTokenIsRejectedAndChangesNothing() {
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease lease = kael.lease(1);
        TestAgent.Lease stale = new TestAgent.Lease(lease.ritualId(), lease.step(), lease.attempt(), UUID.randomUUID());

        kael.complete(stale).then().statusCode(409)
                .contentType("application/problem+json").body("detail", equalTo("stale lease token: step 1 is leased under another token"));

        Api.ritual(ritual).then().body("steps_completed", equalTo(0)).body("status", equalTo("RUNNING"));
        assertEquals("LEASED", stepStatus(ritual, 1));
    }

    @Test
    void anotherAgentsLeaseIsForbiddenAndChangesNothing() {
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease lease = kael.lease(1);

        vega.complete(lease).then().statusCode(403).contentType("application/problem+json");
        vega.fail(lease, "not mine", false).then().statusCode(403);

        assertEquals("LEASED", stepStatus(ritual, 1));
        kael.complete(lease).then().statusCode(200).body("steps_completed", equalTo(1));
    }

    @Test
    void aTokenOfAnotherStepIsRefusedAsStale() {
        UUID first = Api.startRitual(Map.of("steps", 3));
        UUID second = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease a = kael.lease(1);
        TestAgent.Lease b = kael.lease(1);
        assertTrue(a.ritualId().equals(first) && b.ritualId().equals(second));

        kael.complete(new TestAgent.Lease(first, 1, 1, b.token())).then().statusCode(409);

        assertEquals("LEASED", stepStatus(first, 1));
        assertEquals("LEASED", stepStatus(second, 1));
    }

    @Test
    void completingTwiceIsAConflictAndCountsOnce() {
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease lease = kael.lease(1);
        kael.complete(lease).then().statusCode(200);

        kael.complete(lease).then().statusCode(409).body("detail", equalTo("step 1 is already completed"));

        Api.ritual(ritual).then().body("steps_completed", equalTo(1)).body("current_step", equalTo(2));
    }

    @Test
    void completionMakesTheNextStepReadyAndEagerDispatchHandsItOver() {
        UUID ritual = Api.startRitual(Map.of("steps", 2));
        TestAgent.Lease lease = kael.lease(1);

        Response r = kael.complete(lease, true);

        r.then().statusCode(200).body("next_lease.ritual_id", equalTo(ritual.toString()))
                .body("next_lease.step", equalTo(2)).body("next_lease.attempt", equalTo(1));
        TestAgent.Lease next = TestAgent.Lease.of(r.path("next_lease"));
        kael.complete(next, true).then().statusCode(200).body("ritual_status", equalTo("COMPLETED"))
                .body("next_lease", nullValue());
        Api.ritual(ritual).then().body("status", equalTo("COMPLETED"));
    }

    @Test
    void aWaitingLongPollWakesWhenAStepBecomesReady() throws Exception {
        CompletableFuture<TestAgent.Lease> waiting = CompletableFuture.supplyAsync(() -> vega.lease(10));
        Thread.sleep(300); // let the long-poll park
        long started = System.nanoTime();
        UUID ritual = Api.startRitual(Map.of("steps", 1));

        TestAgent.Lease lease = waiting.get();

        assertNotNull(lease);
        assertEquals(ritual, lease.ritualId());
        assertTrue(System.nanoTime() - started < 2_000_000_000L, "woken, not timed out");
    }

    @Test
    void anEmptyLongPollAnswers204() {
        long started = System.nanoTime();
        assertNull(kael.lease(1));
        assertTrue(System.nanoTime() - started >= 900_000_000L, "it waited for wait_seconds");
    }

    @Test
    void cancelRevokesTheLiveLeaseAndLaterCompletionIsRefused() {
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease lease = kael.lease(1);

        Api.admin().post("/api/rituals/" + ritual + "/cancel").then().statusCode(200).body("status", equalTo("CANCELLED"));

        kael.complete(lease).then().statusCode(409).body("detail", equalTo("ritual is CANCELLED; its leases are void"));
        Api.ritual(ritual).then().body("steps_completed", equalTo(0)).body("finished_at", org.hamcrest.Matchers.notNullValue());
        Api.admin().post("/api/rituals/" + ritual + "/cancel").then().statusCode(200); // a retried cancel is harmless
        assertEquals(1, TestDb.count("select count(*) from lease_revocation where reason = 'cancelled'"));
    }

    @Test
    void cancellingAFinishedRitualIsAConflict() {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        kael.complete(kael.lease(1)).then().statusCode(200);

        Api.admin().post("/api/rituals/" + ritual + "/cancel").then().statusCode(409);
        Api.ritual(ritual).then().body("status", equalTo("COMPLETED"));
    }

    @Test
    void aRitualWithParticipantsLeasesOnlyToThem() {
        TestAgent.register("Lumina");
        UUID ritual = Api.startRitual(Map.of("steps", 1, "participants", List.of("Vega")));

        assertNull(kael.lease(1), "Kael is not a participant");
        TestAgent.Lease lease = vega.lease(1);

        assertEquals(ritual, lease.ritualId());
    }

    @Test
    void emergenciesAreLeasedFirstThenTheOldest() {
        UUID older = Api.startRitual(Map.of("steps", 2));
        UUID newer = Api.startRitual(Map.of("steps", 2));
        UUID emergency = Api.startRitual(Map.of("steps", 2, "priority", "emergency"));

        assertEquals(List.of(emergency, older, newer),
                List.of(kael.lease(1).ritualId(), kael.lease(1).ritualId(), kael.lease(1).ritualId()));
        assertNull(kael.lease(0), "nothing else is READY");
    }

    @Test
    void unknownParticipantsAreRefused() {
        Api.admin().body(Map.of("participants", List.of("Vega", "Nobody"))).post("/api/rituals").then()
                .statusCode(400).body("errors[0].field", equalTo("participants"))
                .body("detail", equalTo("participants: unknown agent(s): Nobody"));
        assertEquals(0, TestDb.count("select count(*) from ritual"));
    }

    @Test
    void theSameIdempotencyKeyReturnsTheSameRitualNeverTwo() throws Exception {
        Map<String, Object> body = Map.of("steps", 5, "mantra", "Om");
        CyclicBarrier start = new CyclicBarrier(8);
        List<CompletableFuture<Response>> calls = java.util.stream.IntStream.range(0, 8)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return Api.admin().header("Idempotency-Key", "key-1").body(body).post("/api/rituals");
                })).toList();

        List<String> ids = calls.stream().map(CompletableFuture::join)
                .peek(r -> r.then().statusCode(202))
                .map(r -> (String) r.path("ritual_id")).distinct().toList();

        assertEquals(1, ids.size());
        assertEquals(1, TestDb.count("select count(*) from ritual"));
        Api.admin().header("Idempotency-Key", "key-1").body(Map.of("steps", 6)).post("/api/rituals").then()
                .statusCode(422).contentType("application/problem+json");
        Api.admin().header("Idempotency-Key", "key-2").body(body).post("/api/rituals").then().statusCode(202);
        assertEquals(2, TestDb.count("select count(*) from ritual"));
    }

    @Test
    void theSameCompletionSentManyTimesAtOnceSucceedsOnce() throws Exception {
        // not the last step, so the completions go through group commit: concurrent twins never share a statement
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestAgent.Lease lease = kael.lease(1);

        assertEquals(List.of(200, 409, 409, 409, 409, 409, 409, 409), completeAtOnce(lease, 8, true));
        Api.ritual(ritual).then().body("steps_completed", equalTo(1)).body("current_step", equalTo(2));
        assertEquals(1, TestDb.count("select count(*) from event where type = 'ritual_progress'"
                + " and payload->>'step_status' = 'COMPLETED'"));
    }

    @Test
    void theUcfEffectIsAppliedOnceWhenTwoCompletionsOfTheLastStepRace() throws Exception {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        TestAgent.Lease lease = kael.lease(1);

        assertEquals(List.of(200, 409, 409, 409, 409, 409), completeAtOnce(lease, 6, false));
        Api.ritual(ritual).then().body("status", equalTo("COMPLETED"));
        assertEquals(2, TestDb.count("select count(*) from ucf_history"));
        assertEquals(0.5 + 0.20 * (1.0 / 108) * 1.5 / 2, TestDb.number("select harmony from ucf_state"), 1e-12);
    }

    /** The same completion sent by {@code clients} concurrent clients at the same moment; their statuses, sorted. */
    List<Integer> completeAtOnce(TestAgent.Lease lease, int clients, boolean leaseNext) {
        CyclicBarrier start = new CyclicBarrier(clients);
        return java.util.stream.IntStream.range(0, clients)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return kael.complete(lease, leaseNext).statusCode();
                })).toList().stream().map(CompletableFuture::join).sorted().toList();
    }

    static String stepStatus(UUID ritual, int n) {
        List<Map<String, Object>> steps = Api.admin().get("/api/rituals/" + ritual + "/steps").path("steps");
        return (String) steps.get(n - 1).get("status");
    }

    static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

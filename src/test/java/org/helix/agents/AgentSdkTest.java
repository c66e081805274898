package org.helix.agents;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.sdk.AgentListener;
import org.helix.sdk.Backoff;
import org.helix.sdk.HelixAgent;
import org.helix.sdk.HelixException;
import org.helix.sdk.StepContext;
import org.helix.sdk.StepFailure;
import org.helix.sdk.StepHandler;
import org.helix.support.Api;
import org.helix.support.TestDb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java agent SDK (sdk/) against the real service: what an agent author relies on — chained leases, a
 * revoked or stale lease cancelling the handler, failures, a graceful stop, re-registration after an
 * operator's reinit, and the two traps (a key without role agent; two processes under one name).
 */
@QuarkusTest
class AgentSdkTest {

    static final Backoff FAST = new Backoff(Duration.ofMillis(50), 2, Duration.ofMillis(500), 0.2);

    final List<HelixAgent> agents = new ArrayList<>();
    final List<String> dropped = new CopyOnWriteArrayList<>();
    final List<String> leaseAnswers = new CopyOnWriteArrayList<>();
    final List<Integer> epochs = new CopyOnWriteArrayList<>();
    String agentKey;

    final AgentListener listener = new AgentListener() {
        @Override
        public void onAnswer(String method, String path, int status) {
            if (path.contains("/lease?")) {
                leaseAnswers.add(Integer.toString(status));
            }
        }

        @Override
        public void onDropped(StepContext step, String reason) {
            dropped.add(step.step() + "#" + step.attempt() + ": " + reason);
        }

        @Override
        public void onRegistered(String instanceName, UUID agentId, int epoch) {
            epochs.add(epoch);
        }
    };

    @BeforeEach
    void clean() {
        TestDb.reset();
        agentKey = mintKey("agent");
    }

    @AfterEach
    void stop() {
        agents.forEach(a -> a.stop(Duration.ofSeconds(2)));
    }

    static String mintKey(String role) {
        return Api.admin().body(Map.of("name", "sdk-" + role, "roles", List.of(role))).post("/admin/api-keys")
                .then().statusCode(201).extract().path("key");
    }

    HelixAgent.Builder agent(String name, StepHandler handler) {
        return HelixAgent.builder().url(Api.baseUri()).apiKey(agentKey).name(name).handler(handler).listener(listener)
                .backoff(FAST).waitSeconds(5);
    }

    HelixAgent start(HelixAgent.Builder builder) {
        HelixAgent agent = builder.build();
        agents.add(agent);
        return agent.start();
    }

    static UUID ritualFor(HelixAgent agent, int steps) {
        return Api.startRitual(Map.of("steps", steps, "participants", List.of(agent.instanceName())));
    }

    static void awaitStatus(UUID ritual, String status) {
        await().atMost(Duration.ofSeconds(20)).until(() -> Api.status(ritual).equals(status));
    }

    @Test
    void anSdkAgentCarriesARitualToCompletionAskingForEachNextStepInItsCompletion() {
        List<String> seen = new CopyOnWriteArrayList<>();
        HelixAgent agent = start(agent("sdk-worker", step -> {
            seen.add(step.step() + "#" + step.attempt());
            return Map.of("step", step.step());
        }).concurrency(2));
        UUID ritual = ritualFor(agent, 12);

        awaitStatus(ritual, "COMPLETED");
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            expected.add(i + "#1");
        }
        assertEquals(expected, seen, "every step once, in order, first attempt");
        assertEquals(1, leaseAnswers.stream().filter("200"::equals).count(),
                "one long-poll lease; the other eleven came in the completions' answers: " + leaseAnswers);
        Api.ritual(ritual).then().body("steps_completed", equalTo(12));
    }

    /**
     * The toolkit end to end: the handler sees the ritual's input and the previous step's output; a step that takes
     * longer than the ritual's heartbeat timeout survives because the SDK heartbeats it, with the progress it
     * reported; only an agent with the required capability gets the steps.
     */
    @Test
    void inputPreviousOutputAndStepHeartbeatsReachTheHandlerThroughTheSdk() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HelixAgent agent = start(agent("sdk-toolkit", step -> {
            seen.add(step.step() + " " + step.input().path("city").asText() + " " + step.previousOutput().path("rung"));
            if (step.step() == 2) {
                step.reportProgress(Map.of("verses", 54));
                Thread.sleep(3_000); // longer than the 1 s heartbeat timeout: only the SDK's step heartbeats save it
            }
            return Map.of("rung", step.step());
        }).capabilities(List.of("incense")));
        UUID ritual = Api.startRitual(Map.of("steps", 3, "input", Map.of("city", "Varanasi"),
                "step_timeout_seconds", 30, "heartbeat_timeout_seconds", 1, "required_capabilities", List.of("incense")));

        awaitStatus(ritual, "COMPLETED");
        assertEquals(List.of("1 Varanasi ", "2 Varanasi 1", "3 Varanasi 2"), seen);
        Api.admin().get("/api/rituals/" + ritual + "/steps").then().body("steps[1].attempt", equalTo(1))
                .body("steps[1].output.rung", equalTo(2));
        assertTrue(dropped.isEmpty(), "nothing lost to a missed heartbeat: " + dropped);
    }

    @Test
    void anOperatorRevokingTheLeaseCancelsTheRunningHandlerAndItsResultIsDropped() throws Exception {
        List<String> cancelled = new CopyOnWriteArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        HelixAgent agent = start(agent("sdk-revoked", step -> {
            if (runs.incrementAndGet() == 1) {
                try {
                    step.cancellation().toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    // the cancellation also interrupts the handler's thread
                }
                cancelled.add(step.cancellation().toCompletableFuture().getNow("not cancelled"));
                return Map.of("stale", true);
            }
            return Map.of("fresh", true);
        }));
        UUID ritual = ritualFor(agent, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "LEASED".equals(stepStatus(ritual)));

        Api.admin().post("/admin/rituals/" + ritual + "/steps/1/retry").then().statusCode(200);

        awaitStatus(ritual, "COMPLETED");
        assertEquals(1, cancelled.size());
        assertTrue(cancelled.get(0).startsWith("revoked"), cancelled.toString());
        assertEquals(1, dropped.size(), dropped.toString());
        assertEquals(2, runs.get(), "the step ran again after the operator's retry");
    }

    @Test
    void aCompletionForALeaseThatIsNoLongerValidIsDroppedAndTheStepRunsAgain() {
        AtomicInteger runs = new AtomicInteger();
        HelixAgent agent = start(agent("sdk-stale", step -> {
            if (runs.incrementAndGet() == 1) {
                // the lease is taken back while the handler works; its completion will be refused
                Api.admin().post("/admin/rituals/" + step.ritualId() + "/steps/1/retry").then().statusCode(200);
            }
            return Map.of("attempt", step.attempt());
        }));
        UUID ritual = ritualFor(agent, 1);

        awaitStatus(ritual, "COMPLETED");
        assertEquals(1, dropped.size(), dropped.toString());
        // 409 from the completion, or (if a heartbeat slipped in between) revoked[] before it was sent
        assertTrue(dropped.get(0).startsWith("1#1: ") && (dropped.get(0).contains("409") || dropped.get(0).contains("revoked")),
                dropped.toString());
        assertEquals(2, runs.get(), "the step ran again");
    }

    @Test
    void aFailureTheHandlerDeclaresFinalStallsTheRitualWithItsMessage() {
        HelixAgent agent = start(agent("sdk-failing", step -> {
            throw new StepFailure("the mantra is not in the book", false);
        }));
        UUID ritual = ritualFor(agent, 3);

        awaitStatus(ritual, "STALLED");
        Api.admin().get("/api/rituals/" + ritual + "/steps").then()
                .body("steps[0].status", equalTo("FAILED"))
                .body("steps[0].error", containsString("the mantra is not in the book"));
    }

    @Test
    void stopFinishesTheStepInHandDeregistersAndTakesNoMoreWork() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HelixAgent agent = start(agent("sdk-stopping", step -> {
            running.countDown();
            release.await(10, TimeUnit.SECONDS);
            return Map.of("finished", true);
        }).concurrency(2).waitSeconds(20));
        UUID ritual = ritualFor(agent, 2);
        assertTrue(running.await(10, TimeUnit.SECONDS));

        Thread stopper = new Thread(() -> agent.stop(Duration.ofSeconds(10)));
        stopper.start();
        Thread.sleep(200);
        release.countDown();
        stopper.join(10_000);

        Api.admin().get("/api/rituals/" + ritual + "/steps").then()
                .body("steps[0].status", equalTo("COMPLETED"))
                .body("steps[1].status", equalTo("READY"));
        Api.request().get("/agents").then().body("agents.find { it.name == '" + agent.instanceName() + "' }.status",
                equalTo("OFFLINE"));
        // the second slot's long-poll was parked when the agent stopped: it must not take step 2 afterwards
        Thread.sleep(1_500);
        assertEquals("READY", Api.admin().get("/api/rituals/" + ritual + "/steps").then().extract().path("steps[1].status"));
        Api.request().get("/agents").then().body("agents.find { it.name == '" + agent.instanceName() + "' }.status",
                equalTo("OFFLINE"));
    }

    @Test
    void afterAnOperatorsReinitTheAgentRegistersAgainAndCarriesOn() {
        HelixAgent agent = start(agent("sdk-reinit", step -> Map.of()));
        Api.admin().body(Map.of("agents", List.of(agent.instanceName()))).post("/admin/agents/reinit").then().statusCode(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> epochs.size() == 2);
        assertEquals(List.of(1, 3), epochs, "registered, reinitialised (epoch 2, no token), registered again");
        UUID ritual = ritualFor(agent, 3);
        awaitStatus(ritual, "COMPLETED");
    }

    @Test
    void aKeyWithRoleRitualsCannotRegisterAnAgent() {
        HelixAgent agent = HelixAgent.builder().url(Api.baseUri()).apiKey(mintKey("rituals")).name("sdk-wrong-key")
                .handler(step -> null).build();
        HelixException e = assertThrows(HelixException.class, agent::start);
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("role 'agent'"), e.getMessage());
    }

    @Test
    void twoProcessesOfOneWorkerRegisterUnderTheirOwnNamesAndBothStayOnline() {
        HelixAgent one = start(agent("twin", step -> Map.of()));
        HelixAgent two = start(agent("twin", step -> Map.of()));
        assertNotEquals(one.instanceName(), two.instanceName());

        // three heartbeat intervals of the test profile: neither evicted the other
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertEquals(List.of(1, 1), epochs, "each registered once");
        for (HelixAgent agent : List.of(one, two)) {
            Api.request().get("/agents").then().body("agents.find { it.name == '" + agent.instanceName() + "' }.status",
                    equalTo("ONLINE"));
        }
    }

    static String stepStatus(UUID ritual) {
        return Api.admin().get("/api/rituals/" + ritual + "/steps").then().extract().path("steps[0].status");
    }
}

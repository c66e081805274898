package org.helix.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SDK against the protocol as the service speaks it (an in-process stub over real HTTP). */
class HelixAgentTest {

    static final Backoff FAST = new Backoff(Duration.ofMillis(20), 2, Duration.ofMillis(200), 0.2);

    StubService stub;
    final List<HelixAgent> agents = new ArrayList<>();
    final List<String> dropped = new CopyOnWriteArrayList<>();
    final List<String> completed = new CopyOnWriteArrayList<>();
    final List<String> failed = new CopyOnWriteArrayList<>();
    final CountDownLatch deregistered = new CountDownLatch(1);

    final AgentListener record = new AgentListener() {
        @Override
        public void onCompleted(StepContext step) {
            completed.add(step.ritualId() + "/" + step.step());
        }

        @Override
        public void onFailed(StepContext step, String error, boolean retryable) {
            failed.add(step.step() + ":" + error + ":" + retryable);
        }

        @Override
        public void onDropped(StepContext step, String reason) {
            dropped.add(step.step() + ": " + reason);
        }

        @Override
        public void onDeregistered() {
            deregistered.countDown();
        }
    };

    @BeforeEach
    void stub() throws IOException {
        stub = new StubService();
    }

    @AfterEach
    void stopAll() {
        agents.forEach(a -> a.stop(Duration.ofSeconds(1)));
        stub.close();
    }

    HelixAgent.Builder builder(StepHandler handler) {
        return HelixAgent.builder().url(stub.url()).apiKey("agent-key").name("tester").handler(handler)
                .listener(record).backoff(FAST).waitSeconds(1).requestTimeout(Duration.ofSeconds(5));
    }

    HelixAgent start(HelixAgent.Builder builder) {
        HelixAgent agent = builder.build();
        agents.add(agent);
        return agent.start();
    }

    HelixAgent start(StepHandler handler) {
        return start(builder(handler));
    }

    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void registersUnderAUniqueInstanceNameAndHeartbeatsAtTheAdvisedInterval() throws Exception {
        stub.heartbeatSeconds = 0.1;
        HelixAgent first = start(step -> null);
        HelixAgent second = start(step -> null);

        List<StubService.Call> registrations = stub.calls("/api/agents");
        assertEquals(2, registrations.size());
        String name = registrations.get(0).body().path("name").asText();
        assertTrue(name.startsWith("tester-") && name.contains("-" + ProcessHandle.current().pid()), name);
        assertEquals(first.instanceName(), name);
        assertNotEquals(first.instanceName(), second.instanceName(), "two agents of one name in one process");
        assertEquals("agent-key", registrations.get(0).token());

        eventually("five heartbeats", () -> stub.calls("/heartbeat").size() >= 5);
        List<StubService.Call> beats = stub.calls("/heartbeat");
        assertTrue(beats.stream().allMatch(b -> b.token().equals("ha_1") || b.token().equals("ha_2")),
                "each agent speaks with its own token, not the API key");
        long gapMillis = (beats.get(4).atNanos() - beats.get(2).atNanos()) / 1_000_000;
        // two agents beat every 100 ms: calls 2 → 4 are one interval of one of them, give or take scheduling
        assertTrue(gapMillis >= 30 && gapMillis < 400, "heartbeats " + gapMillis + " ms apart");
        assertEquals(0, beats.get(0).body().path("workload").asInt());
    }

    @Test
    void workloadIsTheShareOfItsConcurrencyAtWork() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(builder(step -> {
            release.await(5, TimeUnit.SECONDS);
            return null;
        }).concurrency(4));
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        // one handler of four at work: the service accepts 0..1 only, a count of handlers would be refused past 1
        eventually("a heartbeat while the handler runs", () -> stub.calls("/heartbeat").stream()
                .anyMatch(b -> b.body().path("workload").asDouble() == 0.25));
        release.countDown();
        eventually("completed", () -> completed.size() == 1);
        assertTrue(stub.calls("/heartbeat").stream().allMatch(b -> b.body().path("workload").isNumber()
                && b.body().path("workload").asDouble() >= 0 && b.body().path("workload").asDouble() <= 1));
    }

    @Test
    void anExplicitInstanceNameIsUsedAsItIs() throws Exception {
        HelixAgent agent = start(builder(step -> null).instanceName("echo-7").capabilities(List.of("gpu")));
        assertEquals("echo-7", agent.instanceName());
        StubService.Call registration = stub.calls("/api/agents").get(0);
        assertEquals("echo-7", registration.body().path("name").asText());
        assertEquals("gpu", registration.body().path("capabilities").get(0).asText());
        assertFalse(registration.body().has("symbol"), "fields left unset are not sent");
    }

    @Test
    void instanceNamesFitTheServicesRule() {
        assertEquals("echo-box-42", HelixAgent.instanceName("echo", "box.example.org", 42, 1));
        assertEquals("echo-box-42-3", HelixAgent.instanceName("echo", "box", 42, 3));
        assertEquals("echo-my-host-42", HelixAgent.instanceName("echo", "my host", 42, 1));
        String longName = HelixAgent.instanceName("a".repeat(40), "h".repeat(40), 123456, 1);
        assertEquals(64, longName.length());
        assertTrue(longName.endsWith("-123456") && longName.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"), longName);
        assertTrue(HelixAgent.instanceName("b".repeat(64), "h", 9, 1).endsWith("-9"));
        assertEquals(64, HelixAgent.instanceName("b".repeat(64), "h", 9, 1).length());
    }

    @Test
    void runsTheHandlerWithTheStepsContextAndChainsTheNextLease() throws Exception {
        UUID ritual = UUID.randomUUID();
        ObjectNode first = StubService.lease(ritual, 1);
        first.putObject("input").put("colour", "indigo");
        first.putNull("previous_output");
        first.put("steps_total", 2);
        ObjectNode second = StubService.lease(ritual, 2);
        second.putObject("previous_output").put("n", 1);
        stub.chained.add(second);
        List<StepContext> seen = new CopyOnWriteArrayList<>();
        start(step -> {
            seen.add(step);
            return Map.of("n", step.step());
        });
        stub.leases.add(first);

        eventually("both steps completed", () -> completed.size() == 2);
        assertEquals(ritual, seen.get(0).ritualId());
        assertEquals(1, seen.get(0).step());
        assertEquals(1, seen.get(0).attempt());
        assertEquals("Om", seen.get(0).mantra());
        assertEquals(2, seen.get(0).stepsTotal());
        assertEquals("indigo", seen.get(0).input().path("colour").asText());
        assertTrue(seen.get(0).previousOutput().isNull());
        assertTrue(seen.get(0).heartbeatTimeout().isEmpty());
        assertEquals(1, seen.get(1).previousOutput().path("n").asInt(), "the chained lease's previous output");
        // a service that does not send input yet: a null node, not a Java null
        assertTrue(seen.get(1).input().isNull());

        List<StubService.Call> completions = stub.calls("/complete");
        assertEquals(first.path("lease_token").asText(), completions.get(0).body().path("lease_token").asText());
        assertEquals(1, completions.get(0).body().path("output").path("n").asInt());
        assertTrue(completions.get(0).body().path("lease_next").asBoolean());
        assertEquals(second.path("lease_token").asText(), completions.get(1).body().path("lease_token").asText());
        assertTrue(stub.calls("/complete").stream().allMatch(c -> c.path().startsWith("/api/rituals/" + ritual + "/steps/")));
    }

    @Test
    void keepsNConcurrentLongPolls() throws Exception {
        start(builder(step -> null).concurrency(3).waitSeconds(2));
        eventually("three polls parked at once", () -> stub.mostOpenPolls.get() == 3);
        assertTrue(stub.calls("/lease").get(0).path().contains("wait_seconds=2&max=1"));
    }

    @Test
    void aRevokedLeaseCancelsItsHandlerAndTheResultIsDropped() throws Exception {
        stub.heartbeatSeconds = 0.1;
        UUID ritual = UUID.randomUUID();
        CountDownLatch running = new CountDownLatch(1);
        List<String> sawCancellation = new CopyOnWriteArrayList<>();
        start(step -> {
            running.countDown();
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                sawCancellation.add("interrupted, cancelled=" + step.isCancelled());
            }
            sawCancellation.add(step.cancellation().toCompletableFuture().getNow("not yet"));
            return Map.of("late", true);
        });
        stub.leases.add(StubService.lease(ritual, 4));
        assertTrue(running.await(5, TimeUnit.SECONDS));
        ObjectNode revocation = Api.JSON.createObjectNode().put("ritual_id", ritual.toString()).put("step", 4)
                .put("reason", "reassigned by an operator");
        stub.revocations.add(revocation);

        eventually("the result dropped", () -> dropped.size() == 1);
        assertEquals(List.of("interrupted, cancelled=true", "revoked: reassigned by an operator"), sawCancellation);
        assertTrue(dropped.get(0).contains("revoked"), dropped.toString());
        assertEquals(0, stub.calls("/complete").size() + stub.calls("/fail").size(), "nothing reported for a revoked lease");
    }

    @Test
    void aRevocationOfAnotherAttemptLeavesTheRunningOneAlone() throws Exception {
        stub.heartbeatSeconds = 0.05;
        UUID ritual = UUID.randomUUID();
        CountDownLatch release = new CountDownLatch(1);
        ObjectNode lease = StubService.lease(ritual, 2).put("attempt", 2);
        start(step -> {
            release.await(5, TimeUnit.SECONDS);
            return null;
        });
        stub.leases.add(lease);
        eventually("leased", () -> stub.calls("/lease").size() >= 1 && stub.leases.isEmpty());
        stub.revocations.add(Api.JSON.createObjectNode().put("ritual_id", ritual.toString()).put("step", 2)
                .put("attempt", 1).put("reason", "timeout"));
        int beats = stub.calls("/heartbeat").size();
        eventually("the revocation delivered", () -> stub.calls("/heartbeat").size() >= beats + 2);
        release.countDown();
        eventually("completed", () -> completed.size() == 1);
        assertEquals(List.of(), dropped);
    }

    @Test
    void aCompletionAnswered409IsDroppedNotRetried() throws Exception {
        ObjectNode lease = StubService.lease(UUID.randomUUID(), 1);
        stub.lostTokens.add(lease.path("lease_token").asText());
        start(step -> Map.of("x", 1));
        stub.leases.add(lease);
        eventually("dropped", () -> dropped.size() == 1);
        assertTrue(dropped.get(0).contains("409"), dropped.toString());
        Thread.sleep(100);
        assertEquals(1, stub.calls("/complete").size());
        assertEquals(List.of(), completed);
    }

    @Test
    void sendsStepHeartbeatsEveryThirdOfTheRitualsTimeoutWhileTheHandlerRuns() throws Exception {
        ObjectNode lease = StubService.lease(UUID.randomUUID(), 1).put("heartbeat_timeout_seconds", 0.3);
        CountDownLatch release = new CountDownLatch(1);
        start(step -> {
            assertEquals(Duration.ofMillis(300), step.heartbeatTimeout().orElseThrow());
            step.reportProgress(Map.of("percent", 10));
            release.await(5, TimeUnit.SECONDS);
            return null;
        });
        stub.leases.add(lease);
        eventually("four step heartbeats", () -> stub.calls("/steps/1/heartbeat").size() >= 4);
        release.countDown();
        eventually("completed", () -> completed.size() == 1);
        List<StubService.Call> beats = stub.calls("/steps/1/heartbeat");
        assertEquals(lease.path("lease_token").asText(), beats.get(0).body().path("lease_token").asText());
        assertTrue(beats.stream().anyMatch(b -> b.body().path("progress").path("percent").asInt() == 10),
                "the progress went out with a step heartbeat");
        long gap = (beats.get(3).atNanos() - beats.get(2).atNanos()) / 1_000_000;
        assertTrue(gap >= 50 && gap <= 250, "about 100 ms apart: " + gap);
        int after = stub.calls("/steps/1/heartbeat").size();
        Thread.sleep(300);
        assertEquals(after, stub.calls("/steps/1/heartbeat").size(), "none after the step ended");
    }

    @Test
    void noStepHeartbeatsWhenTheRitualAsksForNone() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(step -> {
            release.await(5, TimeUnit.SECONDS);
            return null;
        });
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        Thread.sleep(300);
        release.countDown();
        eventually("completed", () -> completed.size() == 1);
        assertEquals(0, stub.calls("/steps/1/heartbeat").size());
    }

    @Test
    void aStepHeartbeatAnswered409CancelsTheHandler() throws Exception {
        ObjectNode lease = StubService.lease(UUID.randomUUID(), 1).put("heartbeat_timeout_seconds", 0.15);
        start(step -> {
            while (!step.isCancelled()) {
                Thread.onSpinWait();
            }
            step.throwIfCancelled();
            return null;
        });
        stub.leases.add(lease);
        eventually("a step heartbeat", () -> stub.calls("/steps/1/heartbeat").size() >= 1);
        stub.lostTokens.add(lease.path("lease_token").asText());
        eventually("dropped", () -> dropped.size() == 1);
        assertTrue(dropped.get(0).contains("no longer valid"), dropped.toString());
        assertEquals(0, stub.calls("/complete").size() + stub.calls("/fail").size());
    }

    @Test
    void handlerFailuresAreReportedRetryableUnlessTheHandlerSaysOtherwise() throws Exception {
        start(step -> {
            if (step.step() == 1) {
                throw new IllegalStateException("flaky disk");
            }
            throw new StepFailure("the mantra is unknown", false);
        });
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        stub.leases.add(StubService.lease(UUID.randomUUID(), 2));
        eventually("two failures", () -> failed.size() == 2);
        List<StubService.Call> fails = stub.calls("/fail");
        assertEquals("java.lang.IllegalStateException: flaky disk", fails.get(0).body().path("error").asText());
        assertTrue(fails.get(0).body().path("retryable").asBoolean());
        assertEquals("the mantra is unknown", fails.get(1).body().path("error").asText());
        assertFalse(fails.get(1).body().path("retryable").asBoolean());
    }

    @Test
    void outputThatIsNotAnObjectFailsTheStepWithoutRetry() throws Exception {
        start(step -> List.of(1, 2));
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        eventually("failed", () -> failed.size() == 1);
        assertTrue(failed.get(0).contains("must be a JSON object") && failed.get(0).endsWith(":false"), failed.toString());
    }

    @Test
    void a503IsRetriedNoSoonerThanItsRetryAfterAndTheResultIsKept() throws Exception {
        stub.script("/complete", 503, "{\"status\":503,\"detail\":\"database unavailable\"}", Map.of("Retry-After", "1"));
        stub.script("/complete", 500);
        start(step -> Map.of("kept", true));
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        eventually("completed", () -> completed.size() == 1);
        List<StubService.Call> tries = stub.calls("/complete");
        assertEquals(3, tries.size());
        long waited = (tries.get(1).atNanos() - tries.get(0).atNanos()) / 1_000_000;
        assertTrue(waited >= 1000, "Retry-After: 1 honoured, waited " + waited + " ms");
        assertTrue(tries.get(2).body().path("output").path("kept").asBoolean());
    }

    @Test
    void connectionErrorsAreRetriedWithBackoff() throws Exception {
        stub.script("/lease", -1).script("/lease", -1).script("/complete", -1);
        start(step -> null);
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        eventually("completed", () -> completed.size() == 1);
        assertEquals(2, stub.calls("/complete").size());
        assertTrue(stub.calls("/lease").size() >= 3);
    }

    @Test
    void startWaitsForAServiceThatIsNotUpYet() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        stub.close();
        HelixAgent agent = HelixAgent.builder().url("http://127.0.0.1:" + port).apiKey("agent-key").name("early")
                .handler(step -> null).backoff(FAST).waitSeconds(1).startTimeout(Duration.ofSeconds(10)).build();
        agents.add(agent);
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(300);
                stub = new StubService(port);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        later.start();
        agent.start();
        later.join();
        assertEquals(1, stub.registrations.get());
        assertEquals(stub.calls("/api/agents").get(0).body().path("name").asText(), agent.instanceName());
    }

    @Test
    void aKeyWithoutRoleAgentIsAClearErrorAtStart() {
        stub.script("/api/agents", 403, "{\"status\":403,\"title\":\"Forbidden\",\"detail\":\"forbidden\"}", Map.of());
        HelixException e = assertThrows(HelixException.class, () -> start(step -> null));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("role 'agent'"), e.getMessage());

        stub.apiKey = "another-key";
        HelixException unknown = assertThrows(HelixException.class, () -> start(step -> null));
        assertEquals(401, unknown.status());
        assertEquals(0, stub.calls("/heartbeat").size() + stub.calls("/lease").size());
    }

    @Test
    void whenTheServiceEndsTheEpochTheAgentRegistersAgainAndCarriesOn() throws Exception {
        stub.heartbeatSeconds = 0.05;
        start(step -> Map.of("ok", true));
        eventually("a heartbeat", () -> stub.calls("/heartbeat").size() >= 1);
        stub.validAgentTokens.clear(); // an operator's reinit: the token stops working
        eventually("registered again", () -> stub.registrations.get() == 2);
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        eventually("completed", () -> completed.size() == 1);
        assertEquals("ha_2", stub.calls("/complete").get(0).token());
    }

    @Test
    void stopFinishesTheWorkInHandThenDeregisters() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        stub.chained.add(StubService.lease(UUID.randomUUID(), 9));
        HelixAgent agent = start(builder(step -> {
            running.countDown();
            release.await(5, TimeUnit.SECONDS);
            return Map.of("done", true);
        }).concurrency(2).waitSeconds(20));
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        assertTrue(running.await(5, TimeUnit.SECONDS));
        eventually("the other slot parked", () -> stub.openPolls.get() == 1);

        Thread stopper = new Thread(() -> agent.stop(Duration.ofSeconds(5)));
        stopper.start();
        Thread.sleep(100);
        assertTrue(stopper.isAlive(), "stop waits for the running handler");
        assertEquals(1, deregistered.getCount(), "not deregistered while a step is in hand");
        release.countDown();
        stopper.join(5_000);

        assertFalse(stopper.isAlive());
        assertEquals(1, completed.size());
        assertFalse(stub.calls("/complete").get(0).body().has("lease_next"), "no new work asked for while stopping");
        assertEquals(0, deregistered.getCount());
        List<String> paths = stub.paths();
        assertTrue(paths.get(paths.size() - 1).endsWith("/deregister"), "deregistration comes last: " + paths);
    }

    @Test
    void aHandlerThatOverrunsTheGracePeriodIsCancelledAndItsLeaseGivenBack() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        List<Boolean> cancelled = new CopyOnWriteArrayList<>();
        HelixAgent agent = start(step -> {
            running.countDown();
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                cancelled.add(step.isCancelled());
            }
            return Map.of("too", "late");
        });
        stub.leases.add(StubService.lease(UUID.randomUUID(), 1));
        assertTrue(running.await(5, TimeUnit.SECONDS));
        long started = System.nanoTime();
        agent.stop(Duration.ofMillis(200));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertTrue(tookMillis < 2_000, "stop took " + tookMillis + " ms");
        assertEquals(List.of(true), cancelled);
        assertTrue(dropped.get(0).contains("stopping"), dropped.toString());
        assertEquals(0, stub.calls("/complete").size());
        assertEquals(1, stub.calls("/deregister").size());
    }

    @Test
    void stopReturnsPromptlyWhileLongPollsAreParked() throws Exception {
        HelixAgent agent = start(builder(step -> null).concurrency(2).waitSeconds(20));
        eventually("two parked polls", () -> stub.openPolls.get() == 2);
        long started = System.nanoTime();
        agent.stop(Duration.ofSeconds(10));
        assertTrue((System.nanoTime() - started) / 1_000_000 < 2_000, "parked polls do not hold up the stop");
        assertEquals(1, stub.calls("/deregister").size());
        int beats = stub.calls("/heartbeat").size();
        Thread.sleep(300);
        assertEquals(beats, stub.calls("/heartbeat").size(), "no heartbeat after deregistering");
    }

    @Test
    void aLeaseThatArrivesWhileStoppingIsLeftToTheDeregistration() throws Exception {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UUID ritual = UUID.randomUUID();
        stub.chained.add(StubService.lease(ritual, 2));
        HelixAgent agent = start(builder(step -> {
            ran.add(step.step());
            running.countDown();
            release.await(5, TimeUnit.SECONDS);
            return null;
        }).leaseNext(true));
        stub.leases.add(StubService.lease(ritual, 1));
        assertTrue(running.await(5, TimeUnit.SECONDS));
        Thread stopper = new Thread(() -> agent.stop(Duration.ofSeconds(5)));
        stopper.start();
        Thread.sleep(50);
        release.countDown();
        stopper.join(5_000);
        assertEquals(List.of(1), ran, "no new step started while stopping");
        assertEquals(1, stub.calls("/deregister").size());
    }
}

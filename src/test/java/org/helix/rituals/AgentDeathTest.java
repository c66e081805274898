package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The design's timings (30 s heartbeats, OFFLINE after 90 s): an agent dying mid-ritual does not stop it — its
 * step's own timeout hands the step to the others long before the agent is declared dead.
 */
@QuarkusTest
@TestProfile(AgentDeathTest.DesignTimings.class)
class AgentDeathTest {

    public static class DesignTimings implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("helix.agent.heartbeat-interval", "30s", "helix.agent.stale-after", "45s",
                    "helix.agent.offline-after", "90s");
        }
    }

    @Test
    void a108StepRitualCompletesWhileOneOfThreeAgentsDiesMidway() throws Exception {
        TestDb.reset();
        TestAgent doomed = TestAgent.register("Doomed");
        List<TestAgent> survivors = List.of(TestAgent.register("Kael"), TestAgent.register("Vega"));
        UUID ritual = Api.startRitual(Map.of("participants", List.of("Doomed", "Kael", "Vega"),
                "step_timeout_seconds", 2));
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<TestAgent.Lease> abandoned = new AtomicReference<>();
        AtomicReference<Double> abandonedAt = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> agents = new ArrayList<>();
        agents.add(pool.submit(() -> {
            int completed = 0;
            while (true) {
                TestAgent.Lease lease = doomed.lease(1);
                if (lease == null) {
                    continue;
                }
                if (++completed > 20) {
                    abandonedAt.set(System.currentTimeMillis() / 1000.0);
                    abandoned.set(lease); // dies holding this lease: no complete, no heartbeat, ever
                    return null;
                }
                doomed.complete(lease).then().statusCode(200);
            }
        }));
        for (TestAgent agent : survivors) {
            agents.add(pool.submit(() -> {
                while (!done.get()) {
                    TestAgent.Lease lease = agent.lease(1);
                    if (lease != null) {
                        agent.complete(lease).then().statusCode(200);
                    }
                }
                return null;
            }));
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && !Api.status(ritual).equals("COMPLETED")) {
            Thread.sleep(200);
        }
        done.set(true);
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        for (Future<?> f : agents) {
            f.get();
        }

        Api.ritual(ritual).then().body("status", equalTo("COMPLETED")).body("steps_completed", equalTo(108));
        TestAgent.Lease lost = abandoned.get();
        assertNotNull(lost);
        List<Map<String, Object>> steps = Api.admin().get("/api/rituals/" + ritual + "/steps").path("steps");
        Map<String, Object> step = steps.get(lost.step() - 1);
        assertEquals(2, step.get("attempt"), "the abandoned step was retried once");
        assertTrue(List.of("Kael", "Vega").contains(step.get("agent")));
        doomed.complete(lost).then().statusCode(409);
        double delay = java.time.Duration.between(java.time.OffsetDateTime.parse((String) step.get("leased_at")),
                java.time.OffsetDateTime.now()).toMillis() >= 0 ? TestDb.number("""
                select extract(epoch from s.leased_at) from step s where s.ritual_id = '%s' and s.number = %d"""
                .formatted(ritual, lost.step())) - abandonedAt.get() : -1;
        System.out.printf("MEASURED death -> re-lease: %.3f s (step timeout 2 s)%n", delay);
        assertTrue(delay >= 2 && delay <= 4, "step timeout + one sweep + backoff, was " + delay);
        assertEquals(2, TestDb.count("select count(*) from ucf_history"));
    }
}

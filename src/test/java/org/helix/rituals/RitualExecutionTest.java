package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class RitualExecutionTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void threeHttpAgentsCarryA108StepRitualToCompletionAndTheFieldChangesOnce() throws Exception {
        List<TestAgent> agents = List.of(TestAgent.register("Kael"), TestAgent.register("Lumina"),
                TestAgent.register("Vega"));
        UUID ritual = Api.startRitual(Map.of("mantra", "Om", "participants", List.of("Kael", "Lumina", "Vega")));
        Map<String, Integer> stepsByAgent = new ConcurrentHashMap<>();

        runUntilDone(agents, List.of(ritual), stepsByAgent);

        Api.ritual(ritual).then().statusCode(200)
                .body("status", equalTo("COMPLETED"))
                .body("steps_total", equalTo(108))
                .body("steps_completed", equalTo(108))
                .body("harmony_before", closeTo(0.50, 1e-9))
                .body("harmony_after", closeTo(0.50 + 0.20 * 1.5 / 2, 1e-9))
                .body("ucf_after.klesha", closeTo(0.30 * 0.8, 1e-9))
                .body("finished_at", notNullValue());
        List<Map<String, Object>> steps = Api.admin().get("/api/rituals/" + ritual + "/steps").then().statusCode(200)
                .extract().path("steps");
        assertEquals(108, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(i + 1, steps.get(i).get("number"));
            assertEquals("COMPLETED", steps.get(i).get("status"));
            if (i > 0) {
                String previous = (String) steps.get(i - 1).get("completed_at");
                String current = (String) steps.get(i).get("completed_at");
                assertTrue(java.time.OffsetDateTime.parse(previous).compareTo(java.time.OffsetDateTime.parse(current)) <= 0,
                        "steps completed in order");
            }
        }
        assertTrue(stepsByAgent.size() >= 2, "the work was shared: " + stepsByAgent);
        Api.admin().get("/ucf").then().statusCode(200).body("harmony", closeTo(0.65, 1e-9));
        assertEquals(2, TestDb.count("select count(*) from ucf_history"), "one initial row plus exactly one change");
        assertEquals(1, TestDb.count("select count(*) from event where type = 'ritual_completion'"));
    }

    @Test
    void twentyAgentsRacingOnTenRitualsCompleteEveryStepExactlyOnceInOrder() throws Exception {
        List<TestAgent> agents = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            agents.add(TestAgent.register("racer-" + i));
        }
        List<UUID> rituals = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rituals.add(Api.startRitual(Map.of("steps", 30)));
        }

        runUntilDone(agents, rituals, new ConcurrentHashMap<>());

        for (UUID ritual : rituals) {
            Api.ritual(ritual).then().body("status", equalTo("COMPLETED")).body("steps_completed", equalTo(30));
        }
        // one completion event per step, and each step's attempt is 1: nothing was executed twice
        assertEquals(300, TestDb.count("select count(*) from event where type = 'ritual_progress' and payload->>'step_status' = 'COMPLETED'"));
        assertEquals(300, TestDb.count("select count(*) from step where status = 'COMPLETED' and attempt = 1"));
        assertEquals(0, TestDb.count("""
                select count(*) from step a join step b on a.ritual_id = b.ritual_id and b.number = a.number + 1
                where b.leased_at < a.completed_at"""), "no step was leased before its predecessor completed");
        assertEquals(11, TestDb.count("select count(*) from ucf_history"), "ten completions moved the field ten times");
    }

    /** Each agent leases and completes until every ritual is finished. */
    static void runUntilDone(List<TestAgent> agents, List<UUID> rituals, Map<String, Integer> stepsByAgent)
            throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(agents.size());
        List<Future<?>> futures = new ArrayList<>();
        for (TestAgent agent : agents) {
            futures.add(pool.submit(() -> {
                while (!done.get()) {
                    TestAgent.Lease lease = agent.lease(1);
                    if (lease != null) {
                        Response r = agent.complete(lease);
                        r.then().statusCode(200);
                        stepsByAgent.merge(agent.name, 1, Integer::sum);
                    }
                }
                return null;
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && !rituals.stream().allMatch(id -> Api.status(id).equals("COMPLETED"))) {
            Thread.sleep(100);
        }
        done.set(true);
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        for (Future<?> f : futures) {
            f.get();
        }
    }
}

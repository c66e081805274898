package org.helix.census;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.helix.support.Api;
import org.helix.support.Scrape;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /status counts rituals without counting the ritual table, and is exact at every moment. */
@QuarkusTest
class RitualCensusTest {

    @Inject
    RitualCensus census;

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void statusCountsFollowEveryTransitionExactlyBeforeAndAfterFolding() {
        TestAgent kael = TestAgent.register("Kael");
        assertCountsMatchTheTable();

        UUID done = Api.startRitual(Map.of("steps", 2, "participants", List.of("Kael")));
        kael.complete(kael.lease(1)).then().statusCode(200);
        assertCountsMatchTheTable();
        kael.complete(kael.lease(1)).then().statusCode(200);
        UUID stalled = Api.startRitual(Map.of("steps", 2, "participants", List.of("Kael")));
        kael.fail(kael.lease(1), "broken", false).then().statusCode(200);
        UUID cancelled = Api.startRitual(Map.of("steps", 2, "participants", List.of("Kael")));
        Api.admin().post("/api/rituals/" + cancelled + "/cancel").then().statusCode(200);
        for (int i = 0; i < 5; i++) {
            Api.startRitual(Map.of("steps", 3, "participants", List.of("Kael")));
        }
        assertCountsMatchTheTable();
        assertEquals(1, status().get("completed"));
        assertEquals(1, status().get("stalled"));
        assertEquals(5, status().get("pending"));

        census.fold().await().atMost(Duration.ofSeconds(5));
        assertEquals(0, TestDb.count("select count(*) from ritual_count_delta"), "folded");
        assertCountsMatchTheTable();

        Api.admin().body(Map.of("deadline_seconds", 600)).post("/admin/rituals/" + stalled + "/resume")
                .then().statusCode(200);
        TestDb.execute("delete from ritual where id = '" + done + "'");
        assertCountsMatchTheTable();
        assertEquals(0, status().get("completed"));
        assertEquals(0, status().get("stalled"));
        census.fold().await().atMost(Duration.ofSeconds(5));
        assertCountsMatchTheTable();

        TestDb.reset();
        assertEquals(0, status().values().stream().mapToLong(Long::longValue).sum(), "a truncated table counts nothing");
    }

    @Test
    void theCensusGaugesCountRitualsByStatusAndTheStuckOnes() {
        Api.startRitual(Map.of("steps", 2));
        TestDb.execute("""
                insert into ritual (id, status, steps_total, mantra, participants, priority, step_timeout_seconds,
                                    max_attempts, created_at, deadline_at, last_progress_at)
                values (gen_random_uuid(), 'STALLED', 3, 'om', '{}', 'normal', 30, 3, now() - interval '5 minutes',
                        now() + interval '1 hour', now() - interval '5 minutes')""");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String scrape = Scrape.scrape();
            assertEquals(1, Scrape.value(scrape, "helix_rituals{status=\"PENDING\"}"));
            assertEquals(1, Scrape.value(scrape, "helix_rituals{status=\"STALLED\"}"));
            assertEquals(0, Scrape.value(scrape, "helix_rituals{status=\"COMPLETED\"}"));
            assertEquals(1, Scrape.value(scrape, "helix_rituals_stuck"), "the one without progress for five minutes");
        });
    }

    private static Map<String, Long> status() {
        Response r = Api.request().get("/status");
        r.then().statusCode(200);
        Map<String, Number> counts = r.path("rituals");
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((k, v) -> result.put(k, v.longValue()));
        return result;
    }

    private static void assertCountsMatchTheTable() {
        Map<String, Long> counted = new TreeMap<>();
        for (String status : List.of("pending", "running", "stalled", "completed", "failed", "timed_out", "cancelled")) {
            counted.put(status, TestDb.count("select count(*) from ritual where status = '" + status.toUpperCase() + "'"));
        }
        Map<String, Long> reported = status();
        assertEquals(counted, reported);
        assertTrue(reported.size() == 7, "every status present");
    }
}

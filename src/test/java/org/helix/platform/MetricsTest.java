package org.helix.platform;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.Scrape;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an operator's Prometheus sees move while rituals run. */
@QuarkusTest
class MetricsTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void ritualsStepsHandoffsAndRevocationsShowUpOnTheScrape() {
        String before = scrape();
        TestAgent agent = TestAgent.register("Metric");
        UUID done = Api.startRitual(Map.of("steps", 4, "participants", List.of("Metric")));
        TestAgent.Lease lease = agent.lease(5);
        for (int step = 1; step <= 4; step++) {
            assertEquals(step, lease.step());
            var r = agent.complete(lease, true);
            r.then().statusCode(200);
            Map<String, Object> next = r.path("next_lease");
            lease = next == null ? agent.lease(5) : TestAgent.Lease.of(next);
            if (step == 4) {
                assertEquals(null, lease, "nothing left");
            }
        }
        assertEquals("COMPLETED", Api.status(done));

        UUID cancelled = Api.startRitual(Map.of("steps", 3, "participants", List.of("Metric")));
        assertEquals(cancelled, agent.lease(5).ritualId());
        Api.admin().post("/api/rituals/" + cancelled + "/cancel").then().statusCode(200);

        String after = scrape();
        assertEquals(2, delta(before, after, "helix_rituals_started_total"));
        assertEquals(4, delta(before, after, "helix_steps_completed_total"));
        assertEquals(1, delta(before, after, "helix_rituals_finished_total{status=\"COMPLETED\"}"));
        assertEquals(1, delta(before, after, "helix_rituals_finished_total{status=\"CANCELLED\"}"));
        assertEquals(1, delta(before, after, "helix_leases_revoked_total{reason=\"ritual_ended\"}"));
        assertEquals(3, delta(before, after, "helix_step_handoff_seconds_count"), "steps 2..4 were handed off");
        assertTrue(delta(before, after, "helix_lease_wait_seconds_count") >= 2, "the first leases of each ritual waited");
        assertTrue(after.contains("helix_step_handoff_seconds_bucket{le="), "handoff is a histogram");

        // the census runs every 5 s and the agent goes STALE 2 s after its last sign of life: it keeps heartbeating
        await().untilAsserted(() -> {
            agent.heartbeat().then().statusCode(200);
            assertEquals(1, value(scrape(), "helix_agents{status=\"ONLINE\"}"), "the census gauge counts the online agent");
        });
    }

    @Test
    void theScrapeCarriesPoolAndStreamGaugesAndNeedsNoKey() {
        String metrics = scrape();
        for (String name : List.of("helix_websocket_connections", "helix_sessions_active", "helix_event_streams",
                "helix_lease_waiting", "sql_pool_active", "sql_pool_queue_size",
                "sql_pool_queue_delay_seconds_max", "http_server_requests_seconds")) {
            assertTrue(metrics.contains(name), name + " is exported");
        }
    }

    static String scrape() {
        return Scrape.scrape();
    }

    static double delta(String before, String after, String series) {
        return Scrape.delta(before, after, series);
    }

    static double value(String scrape, String series) {
        return Scrape.value(scrape, series);
    }
}

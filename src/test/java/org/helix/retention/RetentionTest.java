package org.helix.retention;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.helix.support.Api;
import org.helix.support.Scrape;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention with short settings: finished rituals go with everything of theirs, live and STALLED ones stay
 * whatever their age, agents a live ritual needs stay, and purges racing on many replicas delete each row once.
 */
@QuarkusTest
@TestProfile(RetentionTest.ShortRetention.class)
class RetentionTest {

    public static class ShortRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("helix.retention.finished-rituals", "2s", "helix.retention.offline-agents", "1s",
                    "helix.retention.audit", "2s", "helix.retention.ucf-history", "2s",
                    "helix.retention.interval", "300ms");
        }
    }

    @Inject
    Retention retention;

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void finishedRitualsGoWithEverythingOfTheirsWhileLiveAndStalledOnesStay() {
        String before = Scrape.scrape();
        TestAgent keeper = TestAgent.register("Keeper");
        TestAgent.register("Vega");
        TestAgent.register("Drifter");

        // live and STALLED, started first so that they are the oldest rituals in the table
        UUID stalled = Api.startRitual(Map.of("steps", 2, "participants", List.of("Keeper")));
        keeper.fail(keeper.lease(1), "no incense", false).then().statusCode(200);
        UUID waiting = Api.startRitual(Map.of("steps", 3, "participants", List.of("Vega")));

        // finished: COMPLETED (with an idempotency key and a UCF change), CANCELLED while leased (a revocation),
        // FAILED by an operator (an audit entry)
        UUID completed = UUID.fromString(Api.admin().header("Idempotency-Key", "retention-1")
                .body(Map.of("steps", 2, "participants", List.of("Keeper"))).post("/api/rituals")
                .then().statusCode(202).extract().path("ritual_id"));
        keeper.complete(keeper.lease(1)).then().statusCode(200);
        keeper.complete(keeper.lease(1)).then().statusCode(200);
        UUID cancelled = Api.startRitual(Map.of("steps", 3, "participants", List.of("Keeper")));
        keeper.lease(1);
        Api.admin().post("/api/rituals/" + cancelled + "/cancel").then().statusCode(200);
        UUID terminated = Api.startRitual(Map.of("steps", 2, "participants", List.of("Keeper")));
        Api.admin().body(Map.of("reason", "not today")).post("/admin/rituals/" + terminated + "/terminate")
                .then().statusCode(200);
        List<UUID> finished = List.of(completed, cancelled, terminated);
        double harmony = Api.ritual(completed).then().statusCode(200).extract().path("harmony_after");
        String ids = "('" + completed + "', '" + cancelled + "', '" + terminated + "')";
        assertTrue(TestDb.count("select count(*) from lease_revocation where ritual_id in " + ids) > 0);
        assertTrue(TestDb.count("select count(*) from event where ritual_id in " + ids) > 0);
        assertEquals(1, TestDb.count("select count(*) from idempotency_key where ritual_id in " + ids));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (UUID id : finished) {
                Api.ritual(id).then().statusCode(404);
            }
            Api.request().get("/agents").then().body("agents.name", not(hasItems("Drifter")));
            assertEquals(0, TestDb.count("select count(*) from audit_entry"));
            assertEquals(1, TestDb.count("select count(*) from ucf_history"), "the last change of the field stays");
        });

        for (String table : List.of("step", "event", "lease_revocation", "idempotency_key")) {
            assertEquals(0, TestDb.count("select count(*) from " + table + " where ritual_id in " + ids), table);
        }
        Api.ritual(stalled).then().statusCode(200).body("status", equalTo("STALLED"));
        Api.ritual(waiting).then().statusCode(200).body("status", equalTo("PENDING"));
        assertEquals(5, TestDb.count("select count(*) from step where ritual_id in ('" + stalled + "', '" + waiting + "')"));
        assertTrue(TestDb.count("select count(*) from event where ritual_id in ('" + stalled + "', '" + waiting + "')") >= 2,
                "their events stay");
        // OFFLINE by now, like Drifter, but named by the STALLED and the PENDING ritual
        Api.request().get("/agents").then().body("agents.name", hasItems("Keeper", "Vega"));
        Api.request().get("/status").then()
                .body("rituals.completed", equalTo(0)).body("rituals.cancelled", equalTo(0))
                .body("rituals.failed", equalTo(0)).body("rituals.stalled", equalTo(1)).body("rituals.pending", equalTo(1));

        // the field's history keeps its last change, so a chart of the last hour still starts from it
        List<Double> points = Api.request().get("/ucf/history?duration=1h&interval=5m&metrics=harmony")
                .then().statusCode(200).extract().path("points.harmony");
        assertEquals(harmony, points.get(points.size() - 1), 1e-9);

        String after = Scrape.scrape();
        assertEquals(3, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"rituals\"}"));
        assertEquals(7, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"steps\"}"));
        assertEquals(1, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"idempotency_keys\"}"));
        assertEquals(1, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"agents\"}"));
        assertTrue(Scrape.delta(before, after, "helix_retention_purged_total{kind=\"audit\"}") >= 1);
        assertTrue(Scrape.delta(before, after, "helix_retention_purged_total{kind=\"ucf_history\"}") >= 1);
        await().untilAsserted(() -> assertEquals(0, Scrape.value(Scrape.scrape(), "helix_retention_overdue_seconds"),
                "caught up: nothing past its retention is left"));
    }

    @Test
    void purgesRacingOnManyReplicasDeleteEachRowOnceAndOnlyFinishedOnes() throws Exception {
        String before = Scrape.scrape();
        TestDb.execute("""
                insert into ritual (id, status, steps_total, steps_completed, current_step, mantra, participants, priority,
                                    step_timeout_seconds, max_attempts, created_at, finished_at, deadline_at, last_progress_at)
                select gen_random_uuid(), (array['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'RUNNING', 'STALLED'])[1 + i % 6],
                       10, 10, 10, 'om', '{}', 'normal', 30, 3, now() - interval '3 days',
                       case when i % 6 < 4 then now() - interval '2 days' end, now() + interval '1 day', now() - interval '2 days'
                from generate_series(0, 599) i;
                insert into step (ritual_id, number, status) select id, n, 'COMPLETED' from ritual, generate_series(1, 10) n;
                insert into event (type, ritual_id, created_at, payload) select 'ritual_progress', id, now(), '{}' from ritual;
                """);

        CyclicBarrier start = new CyclicBarrier(8);
        List<CompletableFuture<Map<String, Long>>> replicas = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            replicas.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return retention.purge().await().atMost(Duration.ofSeconds(30));
            }));
        }
        long byTheseCalls = 0;
        for (CompletableFuture<Map<String, Long>> replica : replicas) {
            byTheseCalls += replica.get().getOrDefault("rituals", 0L);
        }

        await().untilAsserted(() -> assertEquals(200, TestDb.count("select count(*) from ritual")));
        assertTrue(byTheseCalls <= 400, "the racing calls (and the timer's own passes) never count a ritual twice");
        assertEquals(0, TestDb.count("select count(*) from ritual where status not in ('RUNNING', 'STALLED')"));
        assertEquals(2_000, TestDb.count("select count(*) from step"));
        assertEquals(200, TestDb.count("select count(*) from event"));
        String after = Scrape.scrape();
        assertEquals(400, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"rituals\"}"),
                "every ritual counted once, whichever replica deleted it");
        assertEquals(4_000, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"steps\"}"));
        assertEquals(400, Scrape.delta(before, after, "helix_retention_purged_total{kind=\"events\"}"));
        Api.request().get("/status").then().body("rituals.running", equalTo(100)).body("rituals.stalled", equalTo(100))
                .body("rituals.completed", equalTo(0));
    }
}

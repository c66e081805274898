package org.helix.resilience;

import io.vertx.core.json.JsonObject;
import org.helix.support.AppProcess;
import org.helix.support.HttpAgent;
import org.helix.support.OwnDatabase;
import org.helix.support.TestDb;
import org.helix.support.WsClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two application instances on one database behave as one service. */
@Tag("process")
@ExtendWith(OwnDatabase.class)
class MultiReplicaIT {

    @Test
    void eventsAndWakeUpsCrossReplicasAndBothSweepSafely() throws Exception {
        // the event pump's fallback poll is pushed out of the way: only NOTIFY can carry events across in time
        Map<String, String> env = Map.of("HELIX_SWEEP_INTERVAL", "1s", "HELIX_EVENTS_IDLE_POLL", "60s");
        try (AppProcess a = AppProcess.create("replica-a", env); AppProcess b = AppProcess.create("replica-b", env)) {
            a.start();
            b.start();
            a.awaitReady(Duration.ofSeconds(60));
            b.awaitReady(Duration.ofSeconds(60));
            // each replica learns of the other at its next sweep
            await().atMost(Duration.ofSeconds(10)).until(() -> TestDb.count("select count(*) from replica") == 2);
            Thread.sleep(1_500);

            HttpAgent onA = HttpAgent.register(() -> a.url(""), AppProcess.ADMIN_KEY, "agent-on-a");
            HttpAgent onB = HttpAgent.register(() -> b.url(""), AppProcess.ADMIN_KEY, "agent-on-b");

            // a long-poll parked on B wakes when a ritual is started on A
            CompletableFuture<HttpAgent.Reply> parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return onB.lease(10, 1);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            long started = System.nanoTime();
            UUID ritual = start(a, Map.of("steps", 20, "participants", List.of("agent-on-b")));
            HttpAgent.Reply woken = parked.get();
            long wakeMillis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(200, woken.status());
            assertTrue(wakeMillis < 800, "woken across replicas in " + wakeMillis + " ms");
            System.out.printf("MEASURED cross-replica long-poll wake: %d ms%n", wakeMillis);

            // a portal on B sees, live, every step completed through A
            try (WsClient portal = WsClient.connect(b.port(), "rituals=" + ritual)) {
                assertEquals("session", portal.next(5).getString("event"));
                JsonObject lease = HttpAgent.leases(woken).getJsonObject(0);
                List<Long> latencies = new ArrayList<>();
                for (int step = 1; step <= 20; step++) {
                    HttpAgent.Reply done = onB.complete(ritual, step, UUID.fromString(lease.getString("lease_token")), true);
                    assertEquals(200, done.status());
                    long sentAt = System.nanoTime();
                    JsonObject progress = portal.next("ritual_progress", 5);
                    while (progress != null && progress.getInteger("step") == null) {
                        progress = portal.next("ritual_progress", 5); // the ritual's creation, just before we connected
                    }
                    assertNotNull(progress, "step " + step + " reached the portal on B");
                    assertEquals(step, progress.getInteger("step"));
                    latencies.add((System.nanoTime() - sentAt) / 1_000_000);
                    lease = done.body().getJsonObject("next_lease");
                }
                assertNotNull(portal.next("ritual_completion", 5));
                latencies.sort(Long::compare);
                System.out.printf("MEASURED cross-replica event latency: median %d ms, max %d ms%n",
                        latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1));
            }

            // and an event committed on A (a ritual started there) reaches B's portal
            try (WsClient portal = WsClient.connect(b.port(), null)) {
                portal.next(5);
                long sentAt = System.nanoTime();
                UUID other = start(a, Map.of("steps", 1, "participants", List.of("agent-on-a")));
                JsonObject event = portal.next("ritual_progress", 5);
                assertNotNull(event);
                assertEquals(other.toString(), event.getString("ritual_id"));
                long millis = (System.nanoTime() - sentAt) / 1_000_000;
                assertTrue(millis < 800, "event from A on B in " + millis + " ms");
            }

            // both replicas sweep the same rituals: each deadline ends one ritual once
            for (int i = 0; i < 30; i++) {
                start(a, Map.of("steps", 2, "deadline_seconds", 1));
            }
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    TestDb.count("select count(*) from ritual where status = 'TIMED_OUT'") == 30);
            Thread.sleep(1_500);
            assertEquals(30, TestDb.count("select count(*) from event where type = 'ritual_timeout'"));
        }
    }

    static UUID start(AppProcess app, Map<String, Object> body) throws Exception {
        HttpAgent.Reply r = HttpAgent.call(app.url("/api/rituals"), AppProcess.ADMIN_KEY, new JsonObject(body));
        assertEquals(202, r.status(), r.body().encode());
        return UUID.fromString(r.body().getString("ritual_id"));
    }
}

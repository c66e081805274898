package org.helix.resilience;

import io.vertx.core.json.JsonObject;
import org.helix.support.AppProcess;
import org.helix.support.HttpAgent;
import org.helix.support.OwnDatabase;
import org.helix.support.TcpProxy;
import org.helix.support.TestDb;
import org.helix.support.Workers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL unreachable for 20 s under a ritual load (a proxy the test cuts): the process stays up, requests
 * fail fast with 503, readiness goes false; afterwards it is ready again within 5 s, listens again, and
 * nothing acknowledged is lost, no step is doubled, each UCF effect happens once, and every ritual completes.
 * The first test is the outside check's scenario (six agents, ten 108-step rituals, step timeout 3 s);
 * {@code .ci/outage-loop} runs it many times over.
 */
@Tag("process")
@ExtendWith(OwnDatabase.class)
class DatabaseOutageIT {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** What a ritual left unfinished looks like, so a failed run says how it was left. */
    static final String UNFINISHED = """
            select coalesce(string_agg(format('%s %s at step %s/%s (failure: %s); step %s: %s, attempt %s, agent %s,'
                || ' ready at %s, lease expires %s, error %s', r.id, r.status, r.current_step, r.steps_total,
                r.failure_reason, s.number, s.status, s.attempt, s.agent_name, s.ready_at, s.lease_expires_at, s.error),
                E'\n'), 'none') from ritual r join step s on s.ritual_id = r.id and s.number = r.current_step
            where r.status <> 'COMPLETED'""";

    @Test
    void theServiceRidesOutA20SecondOutage() throws Exception {
        int rituals = 10;
        int steps = 108;
        try (TcpProxy proxy = new TcpProxy(TestDb.host(), TestDb.port());
             AppProcess app = AppProcess.create("outage", Map.of("HELIX_DB_PORT", Integer.toString(proxy.port()),
                     "HELIX_SWEEP_INTERVAL", "1s"))) {
            app.start().awaitReady(Duration.ofSeconds(60));
            for (int i = 0; i < rituals; i++) {
                assertEquals(202, HttpAgent.call(app.url("/api/rituals"), AppProcess.ADMIN_KEY,
                        new JsonObject().put("steps", steps).put("step_timeout_seconds", 3)).status());
            }
            try (Workers workers = new Workers(app.url(""), AppProcess.ADMIN_KEY, List.of("outage-agent-0",
                    "outage-agent-1", "outage-agent-2", "outage-agent-3", "outage-agent-4", "outage-agent-5"), 1)) {
                while (workers.completions.get() < rituals * steps / 3) {
                    Thread.sleep(20);
                }

                proxy.cut();
                long cutAt = System.nanoTime();
                long notReadyAfter = -1;
                long worstLatency = 0;
                int answered = 0;
                while (System.nanoTime() - cutAt < Duration.ofSeconds(20).toNanos()) {
                    assertTrue(app.alive(), "the process stays up");
                    if (notReadyAfter < 0 && status("/q/health/ready", app) == 503) {
                        notReadyAfter = (System.nanoTime() - cutAt) / 1_000_000;
                    }
                    long started = System.nanoTime();
                    int status = get(app, "/api/rituals?limit=1");
                    worstLatency = Math.max(worstLatency, (System.nanoTime() - started) / 1_000_000);
                    if (notReadyAfter >= 0) {
                        assertEquals(503, status, "requests fail with 503 while the database is away");
                        answered++;
                    }
                    assertEquals(200, status("/health", app));
                    Thread.sleep(250);
                }
                assertTrue(notReadyAfter >= 0 && notReadyAfter < 5_000, "readiness went false after " + notReadyAfter + " ms");
                assertTrue(answered > 10);

                proxy.restore();
                long restoredAt = System.nanoTime();
                while (status("/q/health/ready", app) != 200) {
                    Thread.sleep(100);
                    assertTrue(System.nanoTime() - restoredAt < Duration.ofSeconds(15).toNanos(), "ready again");
                }
                long readyAfter = (System.nanoTime() - restoredAt) / 1_000_000;
                System.out.printf("MEASURED outage: not ready %d ms after the cut, worst request latency during it %d ms, "
                        + "ready again %d ms after the database returned%n", notReadyAfter, worstLatency, readyAfter);
                assertTrue(readyAfter < 5_000, "ready again within 5 s, was " + readyAfter + " ms");
                assertTrue(worstLatency < 4_000, "fail fast: worst request took " + worstLatency + " ms");
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (!body("/q/health/ready", app).contains("\"listening\":true")) {
                    assertTrue(System.nanoTime() < deadline, "the LISTEN connection came back");
                    Thread.sleep(100);
                }

                deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (System.nanoTime() < deadline
                        && TestDb.count("select count(*) from ritual where status = 'COMPLETED'") < rituals) {
                    Thread.sleep(250);
                }
                assertEquals(List.of(), workers.violations);
                assertEquals(0, workers.count5xxOtherThan503(), "statuses seen: " + workers.statuses);
                for (String key : workers.acknowledged) {
                    String[] parts = key.split("/");
                    assertEquals(1, TestDb.count("select count(*) from step where ritual_id = '" + parts[0]
                            + "' and number = " + parts[1] + " and status = 'COMPLETED'"), "acknowledged " + key + " kept");
                }
            }
            assertEquals(rituals, TestDb.count("select count(*) from ritual where status = 'COMPLETED' and steps_completed = " + steps),
                    TestDb.text(UNFINISHED));
            assertEquals(0, TestDb.count("""
                    select count(*) from (select ritual_id, payload->>'step' from event
                    where type = 'ritual_progress' and payload->>'step_status' = 'COMPLETED'
                    group by 1, 2 having count(*) <> 1) twice"""));
            assertEquals(rituals + 1, TestDb.count("select count(*) from ucf_history"));
        }
    }

    /**
     * An outage is not the agents' fault: leases that expire while the database is unreachable, and the silence of
     * agents that could not heartbeat through it, cost no attempt. With one attempt per step, an outage longer than
     * the step timeout and the agents' offline time stalls nothing; every ritual completes.
     */
    @Test
    void leasesLostToAnOutageCostNoAttempt() throws Exception {
        int rituals = 4;
        int steps = 20;
        try (TcpProxy proxy = new TcpProxy(TestDb.host(), TestDb.port());
             AppProcess app = AppProcess.create("outage-attempts", Map.of("HELIX_DB_PORT", Integer.toString(proxy.port()),
                     "HELIX_SWEEP_INTERVAL", "500ms", "HELIX_AGENT_HEARTBEAT_INTERVAL", "1s",
                     "HELIX_AGENT_STALE_AFTER", "2s", "HELIX_AGENT_OFFLINE_AFTER", "4s"))) {
            app.start().awaitReady(Duration.ofSeconds(60));
            for (int i = 0; i < rituals; i++) {
                assertEquals(202, HttpAgent.call(app.url("/api/rituals"), AppProcess.ADMIN_KEY,
                        new JsonObject().put("steps", steps).put("step_timeout_seconds", 2).put("max_attempts", 1)).status());
            }
            // each step takes 300 ms, so at the cut the agents hold leases that will expire during the outage
            try (Workers workers = new Workers(app.url(""), AppProcess.ADMIN_KEY,
                    List.of("patient-agent-0", "patient-agent-1", "patient-agent-2"), 1, Duration.ofMillis(300))) {
                while (workers.completions.get() < 6) {
                    Thread.sleep(20);
                }
                // cut while leases are held: the agents complete in step with each other (the same 300 ms of work,
                // often the same group-committed statement), so right after a completion none may be held yet
                long leased = 0;
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (leased == 0 && System.nanoTime() < until) {
                    leased = TestDb.count("select count(*) from step where status = 'LEASED'");
                }
                proxy.cut();
                Thread.sleep(8_000); // longer than the step timeout (2 s) and the agents' offline time (4 s)
                proxy.restore();

                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline
                        && TestDb.count("select count(*) from ritual where status in ('COMPLETED', 'STALLED')") < rituals) {
                    Thread.sleep(250);
                }
                assertTrue(leased > 0, "the agents held leases when the database went away");
                assertEquals(0, TestDb.count("select count(*) from step where status = 'FAILED'"),
                        "no step ran out of its one attempt");
                assertEquals(rituals, TestDb.count("select count(*) from ritual where status = 'COMPLETED'"));
                assertEquals(List.of(), workers.violations);
            }
        }
    }

    @Test
    void connectionsWhosePeerVanishedSilentlyAreReplaced() throws Exception {
        try (TcpProxy proxy = new TcpProxy(TestDb.host(), TestDb.port());
             AppProcess app = AppProcess.create("silent-peer", Map.of("HELIX_DB_PORT", Integer.toString(proxy.port()),
                     "QUARKUS_DATASOURCE_REACTIVE_MAX_SIZE", "4", "QUARKUS_DATASOURCE_REACTIVE_IDLE_TIMEOUT", "PT60S",
                     "HELIX_DB_TIMEOUT", "2s", "HELIX_DB_DEAD_AFTER", "5s", "HELIX_SWEEP_ENABLED", "false"))) {
            app.start().awaitReady(Duration.ofSeconds(60));
            // open every pooled connection
            List<Thread> warm = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Thread t = new Thread(() -> {
                    try {
                        get(app, "/api/rituals?limit=1");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                warm.add(t);
            }
            for (Thread t : warm) {
                t.join();
            }

            proxy.silenceOpenConnections();
            long silencedAt = System.nanoTime();
            int failed = 0;
            int inARow = 0;
            while (inARow < 10) {
                assertTrue(System.nanoTime() - silencedAt < Duration.ofSeconds(30).toNanos(),
                        "the pool never replaced its dead connections: " + failed + " requests failed");
                int status = get(app, "/api/rituals?limit=1");
                inARow = status == 200 ? inARow + 1 : 0;
                failed += status == 200 ? 0 : 1;
                assertTrue(status == 200 || status == 503, "only 503 while connections are dead, got " + status);
            }
            long recoveredAfter = (System.nanoTime() - silencedAt) / 1_000_000;
            System.out.printf("MEASURED silent peer: every pooled connection dead; %d requests answered 503, all served "
                    + "again %d ms later (dead-after 5 s, call timeout 2 s)%n", failed, recoveredAfter);
            assertTrue(recoveredAfter < 15_000, "recovered after " + recoveredAfter + " ms");
        }
    }

    static int get(AppProcess app, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.url(path))).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + AppProcess.ADMIN_KEY).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static int status(String path, AppProcess app) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String body(String path, AppProcess app) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body().replace(" ", "");
    }
}

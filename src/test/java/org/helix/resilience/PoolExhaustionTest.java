package org.helix.resilience;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** More concurrent work than connections, against a database that holds every statement: nobody hangs. */
@QuarkusTest
@TestProfile(PoolExhaustionTest.SmallPool.class)
class PoolExhaustionTest {

    public static class SmallPool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the parked agents do not heartbeat: with the test profile's 4 s the one holding the step would go
            // OFFLINE while the others still wait, and its revoked lease would wake a second one
            return Map.of("quarkus.datasource.reactive.max-size", "4", "helix.db.timeout", "2s",
                    "helix.db.acquisition-timeout", "3s", "helix.agent.stale-after", "20s",
                    "helix.agent.offline-after", "30s");
        }
    }

    @Test
    void noRequestWaitsPastTheBoundAndTheServiceRecovers() throws Exception {
        TestDb.reset();
        Api.startRitual(Map.of("steps", 1));
        try (Connection holder = TestDb.connect(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("lock table ritual in access exclusive mode");

            List<CompletableFuture<long[]>> calls = IntStream.range(0, 40).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                long started = System.nanoTime();
                Response r = Api.admin().get("/api/rituals?limit=5");
                return new long[]{r.statusCode(), (System.nanoTime() - started) / 1_000_000,
                        r.header("Retry-After") == null ? -1 : Long.parseLong(r.header("Retry-After"))};
            })).toList();
            long health = System.nanoTime();
            Api.request().get("/health").then().statusCode(200);
            assertTrue((System.nanoTime() - health) / 1_000_000 < 1_000, "liveness does not wait for the database");

            long worst = 0;
            for (CompletableFuture<long[]> call : calls) {
                long[] result = call.get();
                assertEquals(503, result[0]);
                assertTrue(result[2] >= 1, "Retry-After");
                worst = Math.max(worst, result[1]);
            }
            System.out.printf("MEASURED pool exhaustion: 40 requests on 4 connections, worst wait %d ms (bound 2 s)%n", worst);
            assertTrue(worst < 4_000, "bounded by the 2 s call timeout, was " + worst + " ms");
            holder.rollback();
        }
        Api.admin().get("/api/rituals?limit=5").then().statusCode(200);
        Api.request().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void parkedLongPollsHoldNoConnection() throws Exception {
        TestDb.reset();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<TestAgent.Lease>> parked = new ArrayList<>();
            for (int i = 0; i < 20; i++) { // five times the pool
                TestAgent agent = TestAgent.register("parked-" + i);
                parked.add(pool.submit(() -> agent.lease(5)));
            }
            Thread.sleep(500);

            for (int i = 0; i < 10; i++) {
                long started = System.nanoTime();
                Api.admin().get("/api/rituals?limit=5").then().statusCode(200);
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < 1_000, "20 parked long-polls left the 4 connections free, yet a read took " + millis + " ms");
            }
            UUID ritual = Api.startRitual(Map.of("steps", 1));
            long leased = 0;
            for (Future<TestAgent.Lease> f : parked) {
                TestAgent.Lease lease = f.get(10, TimeUnit.SECONDS);
                leased += lease != null && lease.ritualId().equals(ritual) ? 1 : 0;
            }
            assertEquals(1, leased, "one parked agent was woken with the step, the others timed out empty");
        } finally {
            pool.shutdownNow();
        }
    }
}

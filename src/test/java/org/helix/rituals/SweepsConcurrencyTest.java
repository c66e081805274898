package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.helix.agents.Liveness;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Replicas sweep at the same moment: every expired lease is lost exactly once, every deadline ends one ritual once. */
@QuarkusTest
class SweepsConcurrencyTest {

    @Inject
    Sweeps sweeps;

    @Inject
    Liveness liveness;

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void concurrentSweepsLoseEachExpiredLeaseExactlyOnce() throws Exception {
        TestAgent agent = TestAgent.register("Holder");
        for (int i = 0; i < 60; i++) {
            Api.startRitual(Map.of("steps", 2, "step_timeout_seconds", 1, "max_attempts", 5));
        }
        int leased = 0;
        while (leased < 60) {
            List<Map<String, Object>> leases = agent.call().post("/api/agents/" + agent.id + "/lease?max=16")
                    .then().statusCode(200).extract().path("leases");
            leased += leases.size();
        }
        Thread.sleep(1_100);

        runConcurrently(8, () -> {
            sweeps.sweep().await().indefinitely();
            liveness.sweep().await().indefinitely();
        });

        assertEquals(60, TestDb.count("select count(*) from lease_revocation where reason = 'timeout'"));
        assertEquals(60, TestDb.count("select count(*) from event where payload->>'reason' = 'timeout'"));
        assertEquals(60, TestDb.count("select count(*) from step where number = 1 and status = 'READY' and attempt = 1"));
    }

    @Test
    void concurrentSweepsTimeOutEachRitualOnce() throws Exception {
        for (int i = 0; i < 40; i++) {
            Api.startRitual(Map.of("steps", 3, "deadline_seconds", 1));
        }
        Thread.sleep(1_100);

        runConcurrently(8, () -> sweeps.sweep().await().indefinitely());

        assertEquals(40, TestDb.count("select count(*) from ritual where status = 'TIMED_OUT'"));
        assertEquals(40, TestDb.count("select count(*) from event where type = 'ritual_timeout'"));
    }

    static void runConcurrently(int threads, Runnable work) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                work.run();
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
    }

    @Test
    void oldIdempotencyKeysAndUnheardRevocationsAreForgottenRecentOnesKept() {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        TestDb.execute("insert into idempotency_key (principal, key, request_hash, ritual_id, created_at) values "
                + "('p', 'old', 'h', '" + ritual + "', now() - interval '25 hours'), "
                + "('p', 'new', 'h', '" + ritual + "', now() - interval '23 hours')");
        TestDb.execute("insert into lease_revocation (agent_id, ritual_id, step, reason, revoked_at) values "
                + "(gen_random_uuid(), '" + ritual + "', 1, 'timeout', now() - interval '2 hours'), "
                + "(gen_random_uuid(), '" + ritual + "', 1, 'timeout', now() - interval '10 minutes')");

        sweeps.forget().await().indefinitely();

        assertEquals(1, TestDb.count("select count(*) from idempotency_key where key = 'new'"));
        assertEquals(0, TestDb.count("select count(*) from idempotency_key where key = 'old'"));
        assertEquals(1, TestDb.count("select count(*) from lease_revocation"));
    }
}

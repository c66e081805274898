package org.helix.rituals;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The completing statement reads the rows it changes and no others, whatever the statistics its cached generic plan
 * was made with (platform/PoolSetup.java makes the service's connections keep generic plans). Step n+1 used to be
 * joined through the ritual: with a plan made on empty tables that read three step rows per completion here, and in
 * the benchmark, whose rounds started from truncated tables, every PENDING step of each ritual in the batch (about
 * 85 per completion) until autovacuum's statistics replaced the plan.
 */
@QuarkusTest
class CompletionPlanTest {

    static final int BATCH = 20;

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void aBatchOfCompletionsReadsTwoStepRowsPerCompletion() throws Exception {
        try (Connection c = TestDb.connect(); Statement st = c.createStatement()) {
            // As on a new installation: the plan is made while the tables are empty, and kept as they fill up.
            st.execute("set plan_cache_mode = force_generic_plan");
            st.execute("prepare complete_batch(timestamptz, uuid[], int[], uuid[], uuid[], jsonb[], bool[]) as "
                    + RitualSql.COMPLETE);
            st.executeQuery("execute complete_batch(now(), '{}', '{}', '{}', '{}', '{}', '{}')").close();

            TestAgent kael = TestAgent.register("Kael");
            List<TestAgent.Lease> leases = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                Api.startRitual(Map.of("steps", 108));
                leases.add(kael.lease(1)); // step 1: all 107 steps after it are PENDING
            }

            JsonObject plan;
            try (ResultSet rs = st.executeQuery("explain (analyze, format json) execute complete_batch('" + Instant.now()
                    + "', " + array(leases, l -> l.ritualId().toString(), "uuid") + ", "
                    + array(leases, l -> Integer.toString(l.step()), "int") + ", "
                    + array(leases, l -> l.token().toString(), "uuid") + ", " + array(leases, l -> kael.id.toString(), "uuid")
                    + ", " + array(leases, l -> "null", "jsonb") + ", " + array(leases, l -> "true", "bool") + ")")) {
                rs.next();
                plan = new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
            }

            assertEquals(BATCH, plan.getInteger("Actual Rows"), "every completion in the batch went through");
            long read = stepRowsRead(plan);
            assertTrue(read <= 2 * BATCH, "the statement read " + read + " step rows for " + BATCH
                    + " completions (step n and step n+1 of each): " + plan.encodePrettily());
        }
    }

    private static String array(List<TestAgent.Lease> leases, java.util.function.Function<TestAgent.Lease, String> value,
                                String type) {
        return leases.stream().map(value).collect(Collectors.joining(",", "'{", "}'::" + type + "[]"));
    }

    /** Rows every scan of the step table produced or filtered out, over all its loops. */
    private static long stepRowsRead(JsonObject node) {
        long read = 0;
        if ("step".equals(node.getString("Relation Name")) && node.getString("Node Type").contains("Scan")) {
            read += (node.getLong("Actual Rows") + node.getLong("Rows Removed by Filter", 0L)
                    + node.getLong("Rows Removed by Index Recheck", 0L)) * node.getLong("Actual Loops");
        }
        JsonArray children = node.getJsonArray("Plans", new JsonArray());
        for (int i = 0; i < children.size(); i++) {
            read += stepRowsRead(children.getJsonObject(i));
        }
        return read;
    }
}

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
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the hot statements read in the state of a service that has run for a while, with the generic plans its
 * connections cache (platform/PoolSetup.java): statistics that say nearly every ritual is finished and no step leased.
 * They look the rituals and steps they change up by key; with plain status conditions those plans scanned the partial
 * indexes of live rituals and leased steps whole and filtered them by key (RitualSql's class comment).
 */
@QuarkusTest
class KeyLookupPlanTest {

    static final int LIVE = 20;

    TestAgent kael;

    @BeforeEach
    void historyAnalysedThenLiveRituals() {
        TestDb.reset();
        // 2,000 finished rituals: one started through the API, the others copies of it with 10 of its steps (enough
        // history for the statistics; the step table's size does not decide these plans)
        UUID first = Api.startRitual(Map.of("steps", 108));
        TestDb.execute("update step set status = 'COMPLETED', ready_at = null, completed_at = now()");
        TestDb.execute("update ritual set status = 'COMPLETED', steps_completed = steps_total, finished_at = now()");
        TestDb.execute("insert into ritual select (jsonb_populate_record(r, jsonb_build_object('id', gen_random_uuid()))).*"
                + " from ritual r, generate_series(2, 2000)");
        TestDb.execute("insert into step (ritual_id, number, status, completed_at) select r.id, n, 'COMPLETED', now()"
                + " from ritual r, generate_series(1, 10) n where r.id <> '" + first + "'");
        TestDb.execute("analyze");
        kael = TestAgent.register("Kael");
    }

    @Test
    void aBatchOfCompletionsFindsItsRitualsAndStepsByKey() throws Exception {
        List<TestAgent.Lease> leases = new ArrayList<>();
        for (int i = 0; i < LIVE; i++) {
            Api.startRitual(Map.of("steps", 108));
            leases.add(kael.lease(1));
        }
        JsonObject plan = plan("complete_batch(timestamptz, uuid[], int[], uuid[], uuid[], jsonb[], bool[])",
                RitualSql.COMPLETE, "'" + Instant.now() + "', " + array(leases, l -> l.ritualId().toString(), "uuid")
                        + ", " + array(leases, l -> Integer.toString(l.step()), "int") + ", "
                        + array(leases, l -> l.token().toString(), "uuid") + ", "
                        + array(leases, l -> kael.id.toString(), "uuid") + ", " + array(leases, l -> "null", "jsonb")
                        + ", " + array(leases, l -> "true", "bool"), false);

        assertEquals(LIVE, plan.getInteger("Actual Rows"), "every completion in the batch went through");
        assertEquals(Set.of("ritual_pkey", "step_pkey"), accessPaths(plan), plan.encodePrettily());
    }

    @Test
    void aStepHeartbeatFindsItsRitualAndStepByKey() throws Exception {
        TestAgent.Lease lease = null;
        for (int i = 0; i < LIVE; i++) {
            Api.startRitual(Map.of("steps", 108));
            lease = kael.lease(1);
        }
        JsonObject plan = plan("beat(uuid, int, uuid, uuid, timestamptz, jsonb)", RitualSql.HEARTBEAT,
                "'" + lease.ritualId() + "', " + lease.step() + ", '" + lease.token() + "', '" + kael.id + "', '"
                        + Instant.now() + "', null", false);

        assertEquals(1, plan.getInteger("Actual Rows"), "the heartbeat went through");
        assertTrue(Set.of("ritual_pkey", "step_pkey").containsAll(accessPaths(plan)), plan.encodePrettily());
    }

    /** With the 2,000 rituals waiting, a lease reads a few pages, not every waiting step (V8's lease_walk). */
    @Test
    void aLeaseWithThousandsOfRitualsWaitingReadsAFewPages() throws Exception {
        TestDb.execute("update ritual set status = 'PENDING', steps_completed = 0, finished_at = null");
        TestDb.execute("update step set status = case when number = 1 then 'READY' else 'PENDING' end,"
                + " ready_at = case when number = 1 then now() - interval '1 minute' end, completed_at = null");
        TestDb.execute("vacuum analyze step");
        long epoch = (long) TestDb.number("select epoch from agent where id = '" + kael.id + "'");
        JsonObject plan = plan("lease(uuid, int, timestamptz, bigint, bigint)", RitualSql.LEASE,
                "'" + kael.id + "', " + epoch + ", '" + Instant.now() + "', 1, 0", true);

        assertEquals(1, plan.getInteger("Actual Rows"), "a step was leased");
        long pages = plan.getLong("Shared Hit Blocks") + plan.getLong("Shared Read Blocks");
        assertTrue(pages < 200, "the lease read " + pages + " pages: " + plan.encodePrettily());
    }

    /**
     * The plan of {@code sql} as the service's connections cache it, run with {@code arguments}; when {@code warm},
     * the second run in the session (the first loads catalogs and compiles functions).
     */
    private static JsonObject plan(String signature, String sql, String arguments, boolean warm) throws Exception {
        try (Connection c = TestDb.connect(); Statement st = c.createStatement()) {
            st.execute("set plan_cache_mode = force_generic_plan");
            st.execute("prepare " + signature + " as " + sql);
            String name = signature.substring(0, signature.indexOf('('));
            if (warm) {
                st.executeQuery("execute " + name + "(" + arguments + ")").close();
            }
            try (ResultSet rs = st.executeQuery("explain (analyze, buffers, format json) execute " + name + "(" + arguments + ")")) {
                rs.next();
                return new JsonArray(rs.getString(1)).getJsonObject(0).getJsonObject("Plan");
            }
        }
    }

    private static String array(List<TestAgent.Lease> leases, Function<TestAgent.Lease, String> value, String type) {
        return leases.stream().map(value).collect(Collectors.joining(",", "'{", "}'::" + type + "[]"));
    }

    /** How the plan reaches the ritual and step tables: the indexes it scans (ritual_*, step_*), or "seq scan of" one. */
    private static Set<String> accessPaths(JsonObject node) {
        Set<String> paths = new TreeSet<>();
        String index = node.getString("Index Name", "");
        String relation = node.getString("Relation Name", "");
        if (index.startsWith("ritual") || index.startsWith("step")) {
            paths.add(index);
        } else if ((relation.equals("ritual") || relation.equals("step")) && node.getString("Node Type").equals("Seq Scan")) {
            paths.add("seq scan of " + relation);
        }
        JsonArray children = node.getJsonArray("Plans", new JsonArray());
        for (int i = 0; i < children.size(); i++) {
            paths.addAll(accessPaths(children.getJsonObject(i)));
        }
        return paths;
    }
}

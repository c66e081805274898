import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * PostgreSQL's own cost of the hot path, without the noise of a loaded machine: one connection runs the service's
 * real statements (read from org.helix.rituals.RitualSql in target/classes) one after the other — R rituals
 * created, their first steps leased, then every step completed in batches of B with eager dispatch, as the group
 * commit sends them — and reads the CPU of its own backend from /proc and the WAL it wrote. Nothing else runs, so
 * the figures repeat from run to run and a change to a statement or an index shows in them.
 *
 * Usage (bench/statement-cost runs it): java -cp target/classes:<the JDBC driver> bench/StatementCost.java
 *   <jdbc-url> <rituals> <batch> ...
 * One key=value line per batch size.
 */
public class StatementCost {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int rituals = Integer.parseInt(args[1]);
        Class<?> sql = Class.forName("org.helix.rituals.RitualSql");
        String create = text(sql, "CREATE");
        String lease = text(sql, "LEASE");
        // a variant under trial: COMPLETE_SQL=<file> replaces the service's statement
        String complete = System.getenv("COMPLETE_SQL") == null ? text(sql, "COMPLETE")
                : Files.readString(Path.of(System.getenv("COMPLETE_SQL")));
        for (int i = 2; i < args.length; i++) {
            int batch = Integer.parseInt(args[i]);
            try (Connection c = DriverManager.getConnection(url + (url.contains("?") ? "&" : "?")
                    + "prepareThreshold=1&options=-c%20plan_cache_mode=force_generic_plan")) {
                run(c, create, lease, complete, rituals, batch);
            }
        }
    }

    static void run(Connection c, String create, String lease, String complete, int rituals, int batch) throws Exception {
        c.setAutoCommit(true);
        UUID agent = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        try (PreparedStatement ps = c.prepareStatement("""
                insert into agent (id, name, epoch, token_hash, status, registered_at, last_seen_at, status_changed_at)
                values (?, ?, 1, ?, 'ONLINE', ?, ?, ?)""")) {
            ps.setObject(1, agent);
            ps.setString(2, "cost-" + agent);
            ps.setString(3, agent.toString());
            ps.setObject(4, now);
            ps.setObject(5, now);
            ps.setObject(6, now);
            ps.executeUpdate();
        }
        List<UUID> ids = new ArrayList<>();
        int pid;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        long createCpu0 = ticks(pid);
        Numbered createSql = new Numbered(create);
        try (PreparedStatement ps = c.prepareStatement(createSql.jdbc)) {
            for (int r = 0; r < rituals; r++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                createSql.bind(ps, id, 108, "om", c.createArrayOf("text", new String[0]), "normal", 3600, 3, null,
                        "bench", now, now.plusHours(2), null, c.createArrayOf("text", new String[0]), null);
                ps.executeQuery().close();
            }
        }
        long createCpu = ticks(pid) - createCpu0;
        // step 1 of every ritual leased to the one agent
        UUID[] tokens = new UUID[rituals];
        Numbered leaseSql = new Numbered(lease);
        try (PreparedStatement ps = c.prepareStatement(leaseSql.jdbc)) {
            leaseSql.bind(ps, agent, 1, OffsetDateTime.now(ZoneOffset.UTC), (long) rituals, 0L);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tokens[ids.indexOf(rs.getObject("ritual_id", UUID.class))] = rs.getObject("lease_token", UUID.class);
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("analyze"); // statistics as autovacuum keeps them on a running service: plans as they would be there
        }
        long wal0 = wal(c);
        long cpu0 = ticks(pid);
        long t0 = System.nanoTime();
        int steps = 0;
        Numbered completeSql = new Numbered(complete);
        try (PreparedStatement ps = c.prepareStatement(completeSql.jdbc)) {
            for (int step = 1; step <= 107; step++) { // the last step finishes the ritual: a path of its own
                for (int from = 0; from < rituals; from += batch) {
                    int n = Math.min(batch, rituals - from);
                    UUID[] r = new UUID[n];
                    Integer[] s = new Integer[n];
                    UUID[] t = new UUID[n];
                    UUID[] a = new UUID[n];
                    Boolean[] e = new Boolean[n];
                    for (int k = 0; k < n; k++) {
                        r[k] = ids.get(from + k);
                        s[k] = step;
                        t[k] = tokens[from + k];
                        a[k] = agent;
                        e[k] = true;
                    }
                    completeSql.bind(ps, OffsetDateTime.now(ZoneOffset.UTC), c.createArrayOf("uuid", r),
                            c.createArrayOf("int4", s), c.createArrayOf("uuid", t), c.createArrayOf("uuid", a),
                            c.createArrayOf("jsonb", new String[n]), c.createArrayOf("bool", e));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            int k = ids.indexOf(rs.getObject("ritual_id", UUID.class)) - from;
                            tokens[from + k] = rs.getObject("next_token", UUID.class);
                            steps++;
                        }
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long cpu = ticks(pid) - cpu0;
        long wal = wal(c) - wal0;
        if (steps != rituals * 107) {
            throw new IllegalStateException("completed " + steps + " of " + rituals * 107);
        }
        System.out.printf("rituals=%d batch=%d steps=%d pg_cpu_us_per_step=%.0f wal_bytes_per_step=%d wall_us_per_step=%.0f "
                        + "create_pg_cpu_us_per_step=%.0f%n", rituals, batch, steps, cpu * 1e6 / 100 / steps, wal / steps,
                seconds * 1e6 / steps, createCpu * 1e6 / 100 / (rituals * 108.0));
    }

    /** The service writes $n parameters; JDBC takes ? in order of appearance. */
    static final class Numbered {
        final String jdbc;
        final List<Integer> order = new ArrayList<>();

        Numbered(String sql) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$(\\d+)").matcher(sql);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                order.add(Integer.parseInt(m.group(1)));
                m.appendReplacement(out, "?");
            }
            m.appendTail(out);
            jdbc = out.toString();
        }

        void bind(PreparedStatement ps, Object... values) throws Exception {
            for (int i = 0; i < order.size(); i++) {
                Object v = values[order.get(i) - 1];
                if (v == null) {
                    ps.setNull(i + 1, java.sql.Types.OTHER);
                } else {
                    ps.setObject(i + 1, v);
                }
            }
        }
    }

    static String text(Class<?> sql, String name) throws Exception {
        Field f = sql.getDeclaredField(name);
        f.setAccessible(true);
        return (String) f.get(null);
    }

    static long wal(Connection c) throws Exception {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** utime + stime of a process, in clock ticks (USER_HZ = 100). */
    static long ticks(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}

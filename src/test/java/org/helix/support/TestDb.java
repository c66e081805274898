package org.helix.support;

import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Direct JDBC access to the test database, to reset it and to check invariants behind the API's back. */
public final class TestDb {

    private TestDb() {
    }

    public static String url() {
        String host = System.getenv().getOrDefault("HELIX_DB_HOST", "127.0.0.1");
        String port = System.getenv().getOrDefault("HELIX_DB_PORT", "5432");
        String name = System.getenv().getOrDefault("HELIX_DB_NAME", "helix_test");
        return "jdbc:postgresql://" + host + ":" + port + "/" + name;
    }

    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), System.getenv().getOrDefault("HELIX_DB_USER", "helix"),
                System.getenv().getOrDefault("HELIX_DB_PASSWORD", "helix"));
    }

    /**
     * Every table back to a fresh installation's state — but for the sequences: event ids only ever grow, as
     * in production, so the running application's streams keep their place.
     */
    public static void reset() {
        migrate();
        // the running application's sweeps hold row locks; TRUNCATE may deadlock with one and simply retries
        for (int attempt = 1; ; attempt++) {
            try {
                truncate();
                return;
            } catch (IllegalStateException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static volatile boolean migrated;

    /**
     * Brings the schema up to date before a test touches it. Test profiles reset the database before the
     * application under test has started (and migrated), so on a new database this is where V1 first runs.
     */
    public static synchronized void migrate() {
        if (!migrated) {
            Flyway.configure().dataSource(url(), System.getenv().getOrDefault("HELIX_DB_USER", "helix"),
                    System.getenv().getOrDefault("HELIX_DB_PASSWORD", "helix"))
                    .locations("classpath:db/migration").load().migrate();
            migrated = true;
        }
    }

    private static void truncate() {
        execute("""
                truncate ritual, step, agent, lease_revocation, event, idempotency_key, api_key, audit_entry,
                         client_session, ucf_history cascade;
                update ucf_state set harmony = 0.50, resilience = 1.00, prana = 0.60, drishti = 0.60, klesha = 0.30,
                                     zoom = 0.70, updated_at = now();
                insert into ucf_history (recorded_at, harmony, resilience, prana, drishti, klesha, zoom)
                select updated_at, harmony, resilience, prana, drishti, klesha, zoom from ucf_state;
                """);
    }

    public static void execute(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static double number(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getDouble(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

package org.helix.support;

import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Direct JDBC access to the test database, to reset it and to check invariants behind the API's back. That is
 * helix_test (the in-process tests share it), or the database of a process-level test's own while
 * {@link OwnDatabase} has one.
 */
public final class TestDb {

    /**
     * The test profile's database (application.properties, %test.helix.db.name), never HELIX_DB_NAME: a developer
     * who exported that for the demo must not have the suite truncate the demo's database.
     */
    private static final String SHARED = "helix_test";
    private static volatile String name = SHARED;

    private TestDb() {
    }

    /** The database the tests (and the applications that {@link AppProcess} starts) use now. */
    public static String name() {
        return name;
    }

    public static String url() {
        return url(name);
    }

    /** The database server the tests use: HELIX_DB_HOST and HELIX_DB_PORT, as the service reads them. */
    public static String host() {
        return System.getenv().getOrDefault("HELIX_DB_HOST", "127.0.0.1");
    }

    public static int port() {
        return Integer.parseInt(System.getenv().getOrDefault("HELIX_DB_PORT", "5432"));
    }

    private static String url(String database) {
        String host = host();
        int port = port();
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public static Connection connect() throws SQLException {
        return connect(name);
    }

    private static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(url(database), user(), System.getenv().getOrDefault("HELIX_DB_PASSWORD", "helix"));
    }

    private static String user() {
        return System.getenv().getOrDefault("HELIX_DB_USER", "helix");
    }

    /**
     * Creates an empty database, migrates it, and points the tests at it until {@link #useShared()}. The role needs
     * CREATEDB, which .ci/prepare-db grants.
     */
    static void createAndUse(String database) {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("create database " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + " as " + user()
                    + " (does it have CREATEDB? .ci/prepare-db grants it): " + e.getMessage(), e);
        }
        name = database;
        migrate();
    }

    static void useShared() {
        name = SHARED;
    }

    static void drop(String database) {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + database + " with (force)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop database " + database + ": " + e.getMessage(), e);
        }
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

    private static final Set<String> migrated = ConcurrentHashMap.newKeySet();

    /**
     * Brings the schema up to date before a test touches it. Test profiles reset the database before the
     * application under test has started (and migrated), so on a new database this is where V1 first runs.
     */
    public static synchronized void migrate() {
        if (!migrated.contains(name)) {
            Flyway.configure().dataSource(url(), user(), System.getenv().getOrDefault("HELIX_DB_PASSWORD", "helix"))
                    .locations("classpath:db/migration").load().migrate();
            migrated.add(name);
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

    public static String text(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
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

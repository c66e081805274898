package org.helix.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application (target/quarkus-app/quarkus-run.jar) as a separate process, for the tests that
 * kill it, restart it, or run two of it on one database.
 */
public final class AppProcess implements AutoCloseable {

    public static final String ADMIN_KEY = "it-admin-key";

    private final int port;
    private final Map<String, String> env;
    private final Path log;
    /** What runs the application: nothing (java -jar directly) or the embedded-PostgreSQL launcher. */
    private final List<String> launcher;
    private Process process;

    private AppProcess(int port, Map<String, String> env, Path log, List<String> launcher) {
        this.port = port;
        this.env = env;
        this.log = log;
        this.launcher = launcher;
    }

    /** Configured for the tests' database now ({@link TestDb#name()}), with the given extra environment (HELIX_..., QUARKUS_...). */
    public static AppProcess create(String name, Map<String, String> extraEnv) throws IOException {
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("HELIX_DB_NAME", TestDb.name());
        env.put("HELIX_SECURITY_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY);
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.putAll(extraEnv);
        Path dir = Path.of("target", "it-logs");
        Files.createDirectories(dir);
        return new AppProcess(port, env, dir.resolve(name + ".log"), List.of());
    }

    /**
     * The application as ./demo.sh runs it with HELIX_DB_EMBEDDED=true: under the embedded-PostgreSQL launcher
     * (src/embedded/java), which keeps the database in HELIX_DB_EMBEDDED_DIR and points HELIX_DB_* at it. The
     * launcher runs on the test classpath that the build writes to target/embedded.classpath.
     */
    public static AppProcess embedded(String name, Map<String, String> extraEnv) throws IOException {
        AppProcess app = create(name, extraEnv);
        String classpath = Path.of("target", "test-classes") + File.pathSeparator
                + Files.readString(Path.of("target", "embedded.classpath")).trim();
        return new AppProcess(app.port, app.env, app.log,
                List.of(java(), "-Xmx128m", "-cp", classpath, "org.helix.embedded.EmbeddedPostgresLauncher"));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public AppProcess start() throws IOException {
        String jar = System.getProperty("helix.app.jar", "target/quarkus-app/quarkus-run.jar");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(java(), "-Xmx512m", "-jar", jar));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        process = builder.start();
        return this;
    }

    public AppProcess awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the application exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/q/health/ready")))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("not ready within " + timeout + "; see " + log);
    }

    /** SIGKILL: no shutdown hooks, no draining — a crash. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, as Kubernetes sends it; returns the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new IllegalStateException("did not exit within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        if (alive() && !launcher.isEmpty()) {
            // SIGTERM, so that the launcher stops the application and its PostgreSQL rather than orphaning them
            process.destroy();
            process.waitFor(40, TimeUnit.SECONDS);
        }
        if (alive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static File jar() {
        return new File(System.getProperty("helix.app.jar", "target/quarkus-app/quarkus-run.jar"));
    }
}

package org.helix.embedded;

import io.vertx.core.json.JsonObject;
import org.helix.support.AppProcess;
import org.helix.support.HttpAgent;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service as {@code HELIX_DB_EMBEDDED=true ./demo.sh} runs it: the packaged application under the
 * embedded-PostgreSQL launcher, configured for a database port where nothing listens. A 108-step ritual runs with
 * the built-in agents; after a restart of the whole process the ritual and the UCF are as they were.
 */
@Tag("process")
class EmbeddedModeIT {

    static final List<String> METRICS = List.of("harmony", "resilience", "prana", "drishti", "klesha", "zoom");

    @Test
    void aRitualAndTheUcfOutliveARestartOfTheServiceWithItsEmbeddedDatabase() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "embedded-it-").toAbsolutePath();
        // nothing listens on the configured port: only the embedded database can serve the service
        Map<String, String> env = Map.of("HELIX_DB_EMBEDDED_DIR", dir.toString(),
                "HELIX_DB_HOST", "127.0.0.1", "HELIX_DB_PORT", Integer.toString(AppProcess.freePort()), "HELIX_DB_NAME", "nowhere",
                "HELIX_BUILTIN_AGENTS_ENABLED", "true", "HELIX_BUILTIN_AGENTS_WORK_TIME", "5ms");
        try {
            String id;
            JsonObject ritual;
            JsonObject ucf;
            try (AppProcess app = AppProcess.embedded("embedded-mode", env)) {
                // the first start unpacks PostgreSQL and runs initdb before the service starts
                app.start().awaitReady(Duration.ofSeconds(120));
                String log = Files.readString(app.log());
                assertTrue(log.contains("for trying the service only") && log.contains(dir.resolve("data").toString()),
                        "the console says what the mode is for and where the data lives:\n" + log);
                ucf = get(app, "/ucf");

                HttpAgent.Reply started = HttpAgent.call(app.url("/api/rituals"), AppProcess.ADMIN_KEY,
                        new JsonObject().put("steps", 108).put("mantra", "Tat Tvam Asi"));
                assertEquals(202, started.status(), started.body().encode());
                id = started.body().getString("ritual_id");
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> !List.of("PENDING", "RUNNING").contains(get(app, "/api/rituals/" + id).getString("status")));
                ritual = get(app, "/api/rituals/" + id);
                assertEquals("COMPLETED", ritual.getString("status"), ritual.encode());
                assertEquals(108, ritual.getInteger("steps_completed"));
                JsonObject before = ucf;
                ucf = get(app, "/ucf");
                assertTrue(ucf.getDouble("harmony") > before.getDouble("harmony"), "the ritual moved the UCF: " + ucf);

                int exit = app.terminate(Duration.ofSeconds(40));
                assertTrue(exit == 0 || exit == 143, "a clean exit, was " + exit);
                assertFalse(Files.exists(dir.resolve("data").resolve("postmaster.pid")), "PostgreSQL stopped with it");
            }

            try (AppProcess again = AppProcess.embedded("embedded-mode-restarted", env)) {
                again.start().awaitReady(Duration.ofSeconds(60));
                JsonObject after = get(again, "/api/rituals/" + id);
                for (String field : List.of("status", "steps_completed", "harmony_before", "harmony_after", "ucf_before",
                        "ucf_after", "duration_seconds", "finished_at")) {
                    assertEquals(ritual.getValue(field), after.getValue(field), field);
                }
                JsonObject steps = get(again, "/api/rituals/" + id + "/steps");
                assertEquals(108, steps.getJsonArray("steps").stream()
                        .filter(s -> "COMPLETED".equals(((JsonObject) s).getString("status"))).count());
                JsonObject field = get(again, "/ucf");
                for (String metric : METRICS) {
                    assertEquals(ucf.getDouble(metric), field.getDouble(metric), 1e-12, metric);
                }
                assertEquals(ucf.getString("phase"), field.getString("phase"));
                again.terminate(Duration.ofSeconds(40));
            }
        } finally {
            delete(dir);
        }
    }

    static JsonObject get(AppProcess app, String path) throws IOException, InterruptedException {
        HttpAgent.Reply r = HttpAgent.get(app.url(path), AppProcess.ADMIN_KEY);
        assertEquals(200, r.status(), path);
        return r.body();
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

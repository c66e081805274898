package org.helix.resilience;

import io.vertx.core.json.JsonObject;
import org.helix.support.AppProcess;
import org.helix.support.HttpAgent;
import org.helix.support.OwnDatabase;
import org.helix.support.TestDb;
import org.helix.support.Workers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the packaged application in the middle of many rituals, then a restart: every ritual carries on
 * from its persisted state, no acknowledged step runs again, and each UCF effect lands exactly once.
 */
@Tag("process")
@ExtendWith(OwnDatabase.class)
class CrashRecoveryIT {

    static final int RITUALS = 20;
    static final int STEPS = 40;

    @Test
    void afterKill9AndRestartEveryRitualCompletesAndNothingRunsTwice() throws Exception {
        try (AppProcess app = AppProcess.create("crash-recovery", Map.of("HELIX_SWEEP_INTERVAL", "1s",
                // production's log format, so the log fields are checked too
                "QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"))) {
            app.start().awaitReady(Duration.ofSeconds(60));
            List<String> agents = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                agents.add("crash-agent-" + i);
            }
            List<UUID> rituals = new ArrayList<>();
            for (int i = 0; i < RITUALS; i++) {
                HttpAgent.Reply r = HttpAgent.call(app.url("/api/rituals"), AppProcess.ADMIN_KEY,
                        new JsonObject().put("steps", STEPS).put("step_timeout_seconds", 2));
                assertEquals(202, r.status());
                rituals.add(UUID.fromString(r.body().getString("ritual_id")));
            }

            Set<String> acknowledged;
            List<String> violations;
            int beforeCrash;
            String agent;
            try (Workers workers = new Workers(app.url(""), AppProcess.ADMIN_KEY, agents, 1)) {
                agent = workers.agentId("crash-agent-0").toString();
                while (workers.completions.get() < RITUALS * STEPS / 3) {
                    Thread.sleep(20);
                }
                app.kill9();
                beforeCrash = workers.completions.get();
                app.start().awaitReady(Duration.ofSeconds(60));

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline
                        && TestDb.count("select count(*) from ritual where status = 'COMPLETED'") < RITUALS) {
                    Thread.sleep(250);
                }
                acknowledged = workers.acknowledged;
                violations = workers.violations;
            }

            assertTrue(beforeCrash < RITUALS * STEPS, "the crash happened mid-way");
            assertEquals(RITUALS, TestDb.count("select count(*) from ritual where status = 'COMPLETED' and steps_completed = " + STEPS));
            assertEquals(List.of(), violations, "a step whose completion was acknowledged was leased again");
            // a completion committed just before the kill may never have been acknowledged (its retry got 409),
            // but everything acknowledged is committed: every step is COMPLETED
            assertTrue(acknowledged.size() <= RITUALS * STEPS && acknowledged.size() >= RITUALS * STEPS - agents.size());
            assertEquals(0, TestDb.count("""
                    select count(*) from (select ritual_id, payload->>'step' from event
                    where type = 'ritual_progress' and payload->>'step_status' = 'COMPLETED'
                    group by 1, 2 having count(*) <> 1) twice"""), "each step completed exactly once");
            assertEquals(RITUALS, TestDb.count("select count(*) from event where type = 'ritual_completion'"));
            assertEquals(RITUALS + 1, TestDb.count("select count(*) from ucf_history"), "one UCF change per ritual");
            double harmony = 0.5;
            for (int i = 0; i < RITUALS; i++) {
                harmony += 0.20 * (STEPS / 108.0) * (2 - harmony) / 2;
            }
            assertEquals(harmony, TestDb.number("select harmony from ucf_state"), 1e-9);
            int exit = app.terminate(Duration.ofSeconds(20));
            assertTrue(exit == 0 || exit == 143, "a clean exit on SIGTERM (143 = the JVM's 128 + SIGTERM), was " + exit);

            List<JsonObject> logged = Files.readAllLines(app.log()).stream().filter(l -> l.startsWith("{"))
                    .map(JsonObject::new).toList();
            assertTrue(logged.stream().anyMatch(l -> l.getString("message").startsWith("ritual accepted")
                            && rituals.contains(UUID.fromString(l.getJsonObject("mdc").getString("ritual_id")))),
                    "JSON log lines carry the ritual id as a field");
            assertTrue(logged.stream().anyMatch(l -> l.getString("message").startsWith("agent crash-agent-0 registered")
                            && agent.equals(l.getJsonObject("mdc").getString("agent_id"))),
                    "JSON log lines carry the agent id as a field");
            // no OTLP endpoint configured: tracing is off (TracingSwitch), so there are no spans and no trace ids
            assertTrue(logged.stream().noneMatch(l -> l.getJsonObject("mdc").containsKey("traceId")),
                    "without an OTLP endpoint the OpenTelemetry SDK is off");
        }
    }
}

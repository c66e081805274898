package org.helix.tracing;

import io.vertx.core.json.JsonObject;
import org.helix.support.AppProcess;
import org.helix.support.HttpAgent;
import org.helix.support.OtlpReceiver;
import org.helix.support.OwnDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.helix.support.OtlpReceiver.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing as an operator turns it on: the packaged service with nothing but the OTLP endpoint and protocol in
 * its environment sends spans of requests and transitions, tagged with the ritual, step and agent, continues the
 * trace a caller's {@code traceparent} started, and writes that trace id into its JSON log lines.
 */
@Tag("process")
@ExtendWith(OwnDatabase.class)
class TracingIT {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void spansTaggedWithTheRitualReachTheOtlpEndpointInTheCallersTrace() throws Exception {
        byte[] traceId = new byte[16];
        ThreadLocalRandom.current().nextBytes(traceId);
        String traceHex = HexFormat.of().formatHex(traceId);
        try (OtlpReceiver otlp = new OtlpReceiver();
             AppProcess app = AppProcess.create("tracing", Map.of(
                     "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", otlp.url(),
                     "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf",
                     "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms",
                     "QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"))) {
            app.start().awaitReady(Duration.ofSeconds(60));

            HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(URI.create(app.url("/api/rituals")))
                    .header("Authorization", "Bearer " + AppProcess.ADMIN_KEY).header("Content-Type", "application/json")
                    .header("traceparent", "00-" + traceHex + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current()
                            .nextLong()) + "-01")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"steps\": 2}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, started.statusCode(), started.body());
            String ritual = new JsonObject(started.body()).getString("ritual_id");

            HttpAgent agent = HttpAgent.register(() -> app.url(""), AppProcess.ADMIN_KEY, "Tracer");
            JsonObject lease = HttpAgent.leases(agent.lease(5, 1)).getJsonObject(0);
            assertEquals(200, agent.complete(UUID.fromString(ritual), 1, UUID.fromString(lease.getString("lease_token")),
                    false).status());

            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!(otlp.received(utf8("helix.create"), utf8("helix.ritual_id"), utf8(ritual), traceId)
                    && otlp.received(utf8("helix.complete"), utf8("helix.step"), utf8("helix.agent"),
                    utf8(agent.id.toString()), utf8(ritual)))) {
                assertTrue(System.nanoTime() < deadline, "spans of the ritual's transitions within 15 s; "
                        + otlp.size() + " bytes received at " + otlp.paths());
                Thread.sleep(100);
            }
            assertTrue(otlp.received(utf8("POST /api/rituals"), traceId), "the request's own span, in the caller's trace");
            assertTrue(otlp.paths().stream().allMatch("/v1/traces"::equals), otlp.paths().toString());
            assertTrue(Files.readAllLines(app.log()).stream().anyMatch(line -> line.startsWith("{")
                            && line.contains("ritual accepted") && line.contains(traceHex)),
                    "the JSON log line of the start carries the caller's trace id");
        }
    }
}

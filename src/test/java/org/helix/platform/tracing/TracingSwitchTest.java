package org.helix.platform.tracing;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tracing is on exactly when an OTLP endpoint is configured, by environment variable or system property. */
class TracingSwitchTest {

    @Test
    void anEndpointInTheEnvironmentOrTheSystemPropertiesTurnsTracingOn() {
        assertFalse(TracingSwitch.endpointConfigured(Map.of(), Map.of()));
        assertFalse(TracingSwitch.endpointConfigured(Map.of("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", " "), Map.of()));
        assertTrue(TracingSwitch.endpointConfigured(Map.of("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318"),
                Map.of()));
        assertTrue(TracingSwitch.endpointConfigured(Map.of("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), Map.of()));
        assertTrue(TracingSwitch.endpointConfigured(Map.of(),
                Map.of("quarkus.otel.exporter.otlp.traces.endpoint", "http://c:4318")));
    }
}

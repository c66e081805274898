package org.helix.platform.tracing;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Tracing is on exactly when an OTLP endpoint is configured: without one, this turns the OpenTelemetry SDK off
 * ({@code quarkus.otel.sdk.disabled=true}), so an unconfigured service neither pays for spans nor tries to export
 * them to a collector that is not there; setting {@code QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (or the generic
 * {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT}) at run time is enough to turn it on. Its ordinal is below
 * application.properties, the environment and system properties, so an explicit {@code quarkus.otel.sdk.disabled}
 * anywhere still wins. It reads the process's environment at every lookup, never at construction, so a native
 * image decides at run time, not when it was built.
 */
public class TracingSwitch implements ConfigSource {

    static final String DISABLED = "quarkus.otel.sdk.disabled";
    private static final String[] ENDPOINTS = {"quarkus.otel.exporter.otlp.traces.endpoint", "quarkus.otel.exporter.otlp.endpoint"};

    /** Whether an OTLP endpoint is set, as a system property or its environment variable. */
    static boolean endpointConfigured(Map<String, String> env, Map<Object, Object> properties) {
        for (String name : ENDPOINTS) {
            String variable = name.toUpperCase().replace('.', '_');
            if (!blank(env.get(variable)) || !blank((String) properties.get(name))) {
                return true;
            }
        }
        return false;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static boolean off() {
        return !endpointConfigured(System.getenv(), System.getProperties());
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(DISABLED);
    }

    /**
     * Always an answer, "false" too: the build records what this said when it ran (no endpoint, so "true") as the
     * default of the running application, and silence at run time would fall back to that.
     */
    @Override
    public String getValue(String propertyName) {
        return DISABLED.equals(propertyName) ? Boolean.toString(off()) : null;
    }

    @Override
    public String getName() {
        return "helix-tracing-switch";
    }

    @Override
    public int getOrdinal() {
        return 100;
    }
}

package org.helix.platform;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.Map;

/** What load balancers and new clients look for first. */
@Path("/")
@Tag(name = "Public")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class DiscoveryResource {

    private final String version;

    public DiscoveryResource(@ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.version = version;
    }

    @GET
    @Path("health")
    @Operation(summary = "200 {} while the process is up (load balancers); readiness is /q/health/ready")
    public Map<String, Object> health() {
        return Map.of();
    }

    @GET
    @Path(".well-known/helix.json")
    @Operation(summary = "Discovery manifest: version, endpoints, WebSocket URL, API docs")
    public Map<String, Object> manifest(@Context UriInfo uri) {
        String base = uri.getBaseUri().toString().replaceAll("/$", "");
        Map<String, Object> endpoints = new LinkedHashMap<>();
        endpoints.put("status", base + "/status");
        endpoints.put("ucf", base + "/ucf");
        endpoints.put("ucf_history", base + "/ucf/history");
        endpoints.put("agents", base + "/agents");
        endpoints.put("rituals", base + "/api/rituals");
        endpoints.put("sessions", base + "/api/sessions");
        endpoints.put("ws_stats", base + "/ws/stats");
        endpoints.put("health", base + "/health");
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("name", "helix-ritual-orchestrator");
        manifest.put("version", version);
        manifest.put("api_version", "v1");
        manifest.put("websocket", base.replaceFirst("^http", "ws") + "/ws");
        manifest.put("docs", base + "/docs");
        manifest.put("openapi", base + "/q/openapi");
        manifest.put("endpoints", endpoints);
        return manifest;
    }
}

package org.helix.platform;

import io.smallrye.mutiny.Uni;
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
import org.helix.agents.AgentService;
import org.helix.ucf.Ucf;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** What load balancers and new clients look for first. */
@Path("/")
@Tag(name = "Public")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class DiscoveryResource {

    private final String version;
    private final HelixConfig config;
    private final AgentService agents;
    private final Clock clock;

    public DiscoveryResource(@ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version,
                             HelixConfig config, AgentService agents, Clock clock) {
        this.version = version;
        this.config = config;
        this.agents = agents;
        this.clock = clock;
    }

    @GET
    @Path("health")
    @Operation(summary = "200 {} while the process is up (load balancers); readiness is /q/health/ready")
    public Map<String, Object> health() {
        return Map.of();
    }

    @GET
    @Path(".well-known/helix.json")
    @Operation(summary = "Discovery manifest: the Helix Hub's fields (name, version, description, base_url, endpoints,"
            + " portals, agents, ucf_metrics, last_updated) and the service's own")
    public Uni<Map<String, Object>> manifest(@Context UriInfo uri) {
        String base = config.discovery().baseUrl().orElse(uri.getBaseUri().toString()).replaceAll("/$", "");
        String websocket = base.replaceFirst("^http", "ws") + "/ws";
        Map<String, Object> endpoints = new LinkedHashMap<>();
        endpoints.put("status", base + "/status");
        endpoints.put("ucf", base + "/ucf");
        endpoints.put("agents", base + "/agents");
        endpoints.put("websocket", websocket);
        endpoints.put("ucf_history", base + "/ucf/history");
        endpoints.put("rituals", base + "/api/rituals");
        endpoints.put("sessions", base + "/api/sessions");
        endpoints.put("ws_stats", base + "/ws/stats");
        endpoints.put("health", base + "/health");
        return agents.directory(MANIFEST_AGENTS).map(listed -> {
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("name", "helix-ritual-orchestrator");
            manifest.put("version", version);
            manifest.put("description", config.discovery().description());
            manifest.put("base_url", base);
            manifest.put("endpoints", endpoints);
            manifest.put("portals", new TreeMap<>(config.discovery().portals()));
            manifest.put("agents", listed.stream().map(a -> {
                Map<String, Object> agent = new LinkedHashMap<>();
                agent.put("name", a.name());
                agent.put("symbol", a.symbol());
                agent.put("role", a.role());
                agent.put("layer", a.layer());
                agent.put("status", a.status());
                return agent;
            }).toList());
            manifest.put("ucf_metrics", Ucf.METRICS);
            manifest.put("last_updated", clock.instant().atOffset(ZoneOffset.UTC));
            manifest.put("api_version", "v1");
            manifest.put("websocket", websocket);
            manifest.put("docs", base + "/docs");
            manifest.put("openapi", base + "/q/openapi");
            return manifest;
        });
    }

    /** The manifest is public and polled: it lists at most this many agents, the live ones first. */
    static final int MANIFEST_AGENTS = 100;
}

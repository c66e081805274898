package org.helix.agents;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.platform.Draining;
import org.helix.platform.HelixConfig;
import org.helix.platform.Params;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;
import org.helix.rituals.LeaseGrant;
import org.helix.rituals.StepLeases;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@Path("/api/agents")
@Tag(name = "Agents")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {

    public record Leases(List<LeaseGrant> leases) {
    }

    public record Left(UUID agentId, AgentStatus status) {
    }

    private final AgentService agents;
    private final StepLeases leases;
    private final SecurityIdentity identity;
    private final HelixConfig config;

    private final Draining draining;

    public AgentResource(AgentService agents, StepLeases leases, SecurityIdentity identity, HelixConfig config,
                         Draining draining) {
        this.draining = draining;
        this.agents = agents;
        this.leases = leases;
        this.identity = identity;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.AGENT, Roles.ADMIN})
    @Operation(summary = "Register an agent (idempotent by name: a new epoch and token each time)")
    @APIResponse(responseCode = "201", description = "Registered; the token is shown in this answer only",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Registration.class)))
    public Uni<Response> register(@Valid RegisterAgentRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with the agent's name is required");
        }
        return agents.register(request, false)
                .map(r -> Response.created(URI.create("/api/agents/" + r.agentId())).entity(r).build());
    }

    @POST
    @Path("{id}/heartbeat")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.AGENT_TOKEN, Roles.ADMIN})
    @Operation(summary = "Heartbeat; the answer lists leases revoked while the agent was silent")
    public Uni<HeartbeatResponse> heartbeat(@PathParam("id") String id, @Valid HeartbeatRequest request) {
        UUID agentId = self(id);
        double workload = request == null || request.workload() == null ? 0 : request.workload();
        return agents.heartbeat(Caller.of(identity), agentId, workload);
    }

    @POST
    @Path("{id}/lease")
    @RolesAllowed({Roles.AGENT_TOKEN, Roles.ADMIN})
    @Operation(summary = "Long-poll for work: 200 with leases, or 204 when nothing came within wait_seconds")
    @APIResponse(responseCode = "200", description = "Leased steps",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Leases.class)))
    @APIResponse(responseCode = "204", description = "Nothing became ready within wait_seconds; ask again")
    public Uni<Response> lease(@PathParam("id") String id, @QueryParam("wait_seconds") String waitSeconds,
                               @QueryParam("max") String max) {
        UUID agentId = self(id);
        Caller caller = Caller.of(identity);
        if (!caller.isAgent()) {
            throw ProblemException.forbidden("only an agent, with its own token, can lease steps");
        }
        if (draining.draining()) {
            throw ProblemException.unavailable("this replica is shutting down; lease from another", 1);
        }
        int wait = Params.integer("wait_seconds", waitSeconds, 0, 0, config.lease().maxWaitSeconds());
        int count = Params.integer("max", max, 1, 1, config.lease().maxBatch());
        return leases.leaseWaiting(caller, count, Duration.ofSeconds(wait))
                .map(grants -> grants.isEmpty() ? Response.noContent().build()
                        : Response.ok(new Leases(grants)).build());
    }

    @POST
    @Path("{id}/deregister")
    @RolesAllowed({Roles.AGENT_TOKEN, Roles.ADMIN})
    @Operation(summary = "Leave gracefully: the agent's leases go back to READY at once")
    public Uni<Left> deregister(@PathParam("id") String id) {
        UUID agentId = self(id);
        return agents.deregister(Caller.of(identity), agentId).replaceWith(new Left(agentId, AgentStatus.OFFLINE));
    }

    private UUID self(String id) {
        UUID agentId = Params.uuid("agent", id);
        Caller.of(identity).requireSelfOrAdmin(agentId);
        return agentId;
    }
}

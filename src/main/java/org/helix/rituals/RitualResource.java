package org.helix.rituals;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
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
import org.helix.platform.Params;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;

import java.net.URI;
import java.util.List;
import java.util.Map;

@Path("/")
@Tag(name = "Rituals")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.RITUALS, Roles.ADMIN})
public class RitualResource {

    private final RitualService rituals;
    private final SecurityIdentity identity;

    public RitualResource(RitualService rituals, SecurityIdentity identity) {
        this.rituals = rituals;
        this.identity = identity;
    }

    @POST
    @Path("api/rituals")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a ritual", description = "202 with Location; the same Idempotency-Key and body within 24 h answer the original 202 again")
    @APIResponse(responseCode = "202", description = "Accepted; Location names the ritual",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RitualAccepted.class)))
    public Uni<Response> start(@Valid StartRitualRequest request, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        return rituals.start(request, Caller.of(identity), idempotencyKey)
                .map(accepted -> Response.accepted(accepted)
                        .location(URI.create("/api/rituals/" + accepted.ritualId())).build());
    }

    @POST
    @Path("ritual")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a ritual (alias of POST /api/rituals for existing clients)")
    @APIResponse(responseCode = "202", description = "Accepted; Location names the ritual",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RitualAccepted.class)))
    public Uni<Response> startAlias(@Valid StartRitualRequest request, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        return start(request, idempotencyKey);
    }

    @GET
    @Path("api/rituals/{id}")
    @Operation(summary = "A ritual's status, progress, UCF effect and, when it is stuck, why")
    public Uni<RitualView> get(@PathParam("id") String id) {
        return rituals.view(Params.uuid("ritual", id));
    }

    @GET
    @Path("ritual/status/{id}")
    @Operation(summary = "A ritual's status (alias of GET /api/rituals/{id})")
    public Uni<RitualView> status(@PathParam("id") String id) {
        return get(id);
    }

    @GET
    @Path("api/rituals")
    @Operation(summary = "Rituals, newest first, keyset-paginated: pass next_after as after for the next page",
            description = "Filters combine: status; agent (a participant, or the agent that completed or failed one"
                    + " of its steps); since (inclusive) and until (exclusive) on created_at, ISO-8601 with an offset;"
                    + " id_prefix (hex digits the ritual id starts with)")
    public Uni<RitualService.Page> list(@QueryParam("status") String status, @QueryParam("agent") String agent,
                                        @QueryParam("since") String since, @QueryParam("until") String until,
                                        @QueryParam("id_prefix") String idPrefix, @QueryParam("limit") String limit,
                                        @QueryParam("after") String after) {
        RitualFilter filter = new RitualFilter(Params.enumeration("status", status, RitualStatus.class),
                Params.text("agent", agent, 64), Params.instant("since", since), Params.instant("until", until),
                RitualFilter.IdRange.ofPrefix(idPrefix));
        return rituals.list(filter, Params.integer("limit", limit, 50, 1, 200), after);
    }

    @GET
    @Path("api/rituals/{id}/steps")
    @Operation(summary = "Every step of a ritual")
    public Uni<Map<String, List<StepView>>> steps(@PathParam("id") String id) {
        return rituals.steps(Params.uuid("ritual", id)).map(steps -> Map.of("steps", steps));
    }

    @POST
    @Path("api/rituals/{id}/cancel")
    @Operation(summary = "Cancel a live ritual; its leases are revoked and later completions refused")
    public Uni<RitualView> cancel(@PathParam("id") String id) {
        return rituals.cancel(Params.uuid("ritual", id));
    }
}

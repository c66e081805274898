package org.helix.sessions;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.admin.AuditLog;
import org.helix.platform.Params;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;

import java.util.Map;
import java.util.UUID;

/** Operators inspect and end client sessions. */
@Path("/admin/sessions")
@Tag(name = "Operators")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class SessionAdminResource {

    private final SessionService sessions;
    private final SecurityIdentity identity;
    private final AuditLog audit;

    public SessionAdminResource(SessionService sessions, SecurityIdentity identity, AuditLog audit) {
        this.sessions = sessions;
        this.identity = identity;
        this.audit = audit;
    }

    @GET
    @Operation(summary = "Client sessions, by id, paginated with after=next_after")
    public Uni<SessionService.Page> list(@QueryParam("limit") String limit, @QueryParam("after") String after) {
        UUID cursor = null;
        if (after != null) {
            try {
                cursor = UUID.fromString(after);
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalid("after", "is not a cursor this service returned");
            }
        }
        return sessions.list(Params.integer("limit", limit, 100, 1, 500), cursor);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "End a session and close its connections on every replica")
    @APIResponse(responseCode = "204", description = "Ended")
    public Uni<Response> end(@PathParam("id") String id) {
        UUID session = Params.uuid("session", id);
        Caller caller = Caller.of(identity);
        String target = "session:" + session;
        return sessions.end(session, caller)
                .call(() -> audit.record(caller.principal(), "sessions.end", target, null, null, "ok"))
                .onFailure(ProblemException.class).call(e -> audit.refused(caller.principal(), "sessions.end", target,
                        e.getMessage()))
                .replaceWith(Response.noContent().build());
    }

    @POST
    @Path("purge")
    @Operation(summary = "Delete expired and idle sessions now (scope=all: every session)")
    public Uni<Map<String, Integer>> purge(@QueryParam("scope") String scope) {
        if (scope != null && !scope.equals("all") && !scope.equals("expired")) {
            throw ProblemException.invalid("scope", "must be 'expired' or 'all'");
        }
        String principal = Caller.of(identity).principal();
        return sessions.purge("all".equals(scope)).call(n -> audit.record(principal, "sessions.purge",
                        "sessions:" + (scope == null ? "expired" : scope), null, new JsonObject().put("purged", n), "ok"))
                .map(n -> Map.of("purged", n));
    }
}

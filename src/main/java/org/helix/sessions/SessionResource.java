package org.helix.sessions;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.events.EventHub;
import org.helix.platform.Params;
import org.helix.platform.Uptime;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;

import java.net.URI;

@Path("/")
@Tag(name = "Sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    /** The Helix Hub's four counters ({@code uptime} in seconds, as in /status), then the service's own. */
    public record WsStats(int activeConnections, long totalConnectionsToday, long messagesSentToday, double uptime,
                          long sessionsActive, int subscribers) {
    }

    private final SessionService sessions;
    private final SessionConnections connections;
    private final EventHub hub;
    private final SecurityIdentity identity;

    public SessionResource(SessionService sessions, SessionConnections connections, EventHub hub,
                           SecurityIdentity identity) {
        this.sessions = sessions;
        this.connections = connections;
        this.hub = hub;
        this.identity = identity;
    }

    @POST
    @Path("api/sessions")
    @RolesAllowed({Roles.RITUALS, Roles.ADMIN})
    @Operation(summary = "Create a client session for live streams (at most 5 per key: the oldest is evicted)")
    @APIResponse(responseCode = "201", description = "The session; connect to /ws?session_id=…&resume_token=…",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SessionGrant.class)))
    public Uni<Response> create() {
        return sessions.create(Caller.of(identity))
                .map(grant -> Response.created(URI.create("/api/sessions/" + grant.sessionId())).entity(grant).build());
    }

    @DELETE
    @Path("api/sessions/{id}")
    @RolesAllowed({Roles.RITUALS, Roles.ADMIN})
    @Operation(summary = "Log out: the session and its connections end at once")
    @APIResponse(responseCode = "204", description = "Ended")
    public Uni<Response> end(@PathParam("id") String id) {
        return sessions.end(Params.uuid("session", id), Caller.of(identity)).replaceWith(Response.noContent().build());
    }

    @GET
    @Path("ws/stats")
    @PermitAll
    @Tag(name = "Public")
    @Operation(summary = "WebSocket counters of this replica and the sessions alive in the cluster")
    public Uni<WsStats> stats() {
        return sessions.activeCount().map(active -> new WsStats(connections.active(), connections.connectionsToday(),
                hub.sentToday(), Uptime.seconds(), active, hub.subscribers()));
    }
}

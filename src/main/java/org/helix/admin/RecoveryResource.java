package org.helix.admin;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.platform.Params;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;
import org.helix.rituals.RitualService;
import org.helix.rituals.RitualView;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The operators' console: find stuck rituals and repair them, reinitialise agents, manage keys, read the audit. */
@Path("/admin")
@Tag(name = "Operators")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class RecoveryResource {

    public record StuckList(List<StuckRituals.Stuck> rituals) {
    }

    public record Recovered(UUID ritualId, String outcome, String detail) {
    }

    public record RecoverReport(String action, int found, List<Recovered> results) {
    }

    public record Reinitialised(UUID agentId, String name, int epoch, int revoked) {
    }

    public record ReinitReport(List<Reinitialised> agents) {
    }

    private static final Map<String, String> DONE = Map.of("retry", "retried", "skip", "skipped", "terminate", "terminated");

    private final Recovery recovery;
    private final StuckRituals stuck;
    private final RitualService rituals;
    private final ApiKeys keys;
    private final AuditLog audit;
    private final SecurityIdentity identity;

    public RecoveryResource(Recovery recovery, StuckRituals stuck, RitualService rituals, ApiKeys keys, AuditLog audit,
                            SecurityIdentity identity) {
        this.recovery = recovery;
        this.stuck = stuck;
        this.rituals = rituals;
        this.keys = keys;
        this.audit = audit;
        this.identity = identity;
    }

    @GET
    @Path("rituals/stuck")
    @Operation(summary = "Live rituals without progress for no_progress_seconds, each with its reasons")
    public Uni<StuckList> stuck(@QueryParam("no_progress_seconds") String noProgress, @QueryParam("limit") String limit) {
        return stuck.find(Params.integer("no_progress_seconds", noProgress, 60, 0, 86_400),
                Params.integer("limit", limit, 100, 1, 500)).map(StuckList::new);
    }

    @POST
    @Path("rituals/{id}/steps/{n}/retry")
    @Operation(summary = "A new attempt for the current step, offered now")
    public Uni<RitualView> retry(@PathParam("id") String id, @PathParam("n") String n) {
        UUID ritual = Params.uuid("ritual", id);
        return recovery.retry(caller(), ritual, Params.step(n)).flatMap(v -> rituals.view(ritual));
    }

    @POST
    @Path("rituals/{id}/steps/{n}/skip")
    @Operation(summary = "Skip the current step; skipping the last one completes the ritual")
    public Uni<RitualView> skip(@PathParam("id") String id, @PathParam("n") String n) {
        UUID ritual = Params.uuid("ritual", id);
        return recovery.skip(caller(), ritual, Params.step(n)).flatMap(v -> rituals.view(ritual));
    }

    @POST
    @Path("rituals/{id}/steps/{n}/reassign")
    @Operation(summary = "Revoke the current lease; only the named agent may lease the step next")
    public Uni<RitualView> reassign(@PathParam("id") String id, @PathParam("n") String n,
                                    @Valid AdminRequests.Reassign request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with the agent is required");
        }
        UUID ritual = Params.uuid("ritual", id);
        return recovery.reassign(caller(), ritual, Params.step(n), request.agent()).flatMap(v -> rituals.view(ritual));
    }

    @POST
    @Path("rituals/{id}/resume")
    @Operation(summary = "Restart a STALLED, FAILED or TIMED_OUT ritual with a fresh deadline")
    public Uni<RitualView> resume(@PathParam("id") String id, @Valid AdminRequests.Resume request) {
        UUID ritual = Params.uuid("ritual", id);
        AdminRequests.Resume r = request == null ? new AdminRequests.Resume(null, null) : request;
        return recovery.resume(caller(), ritual, r.fromStep(), r.deadlineSeconds()).flatMap(v -> rituals.view(ritual));
    }

    @POST
    @Path("rituals/{id}/terminate")
    @Operation(summary = "End a live ritual as FAILED")
    public Uni<RitualView> terminate(@PathParam("id") String id, @Valid AdminRequests.Terminate request) {
        UUID ritual = Params.uuid("ritual", id);
        String reason = request == null || request.reason() == null || request.reason().isBlank()
                ? "no reason given" : request.reason();
        return recovery.terminate(caller(), ritual, reason).flatMap(v -> rituals.view(ritual));
    }

    @POST
    @Path("rituals/recover")
    @Operation(summary = "Bulk recovery: apply retry, skip or terminate to the stuck rituals (at most limit)")
    public Uni<RecoverReport> recover(@Valid AdminRequests.Recover request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with the action is required");
        }
        Caller caller = caller();
        int noProgress = request.noProgressSeconds() == null ? 60 : request.noProgressSeconds();
        int limit = request.limit() == null ? 20 : request.limit();
        return stuck.find(noProgress, limit).flatMap(found -> Multi.createFrom().iterable(found)
                .onItem().transformToUniAndConcatenate(s -> apply(caller, request.action(), s)
                        .map(v -> new Recovered(s.ritualId(), DONE.get(request.action()), null))
                        .onFailure(ProblemException.class).recoverWithItem(e -> new Recovered(s.ritualId(), "refused", e.getMessage())))
                .collect().asList()
                .flatMap(results -> audit.record(caller.principal(), "rituals.recover", null,
                                new JsonObject().put("action", request.action()).put("no_progress_seconds", noProgress),
                                new JsonObject().put("found", found.size()).put("results", results.size()), "ok")
                        .replaceWith(new RecoverReport(request.action(), found.size(), results))));
    }

    private Uni<Void> apply(Caller caller, String action, StuckRituals.Stuck s) {
        return switch (action) {
            case "retry" -> recovery.retry(caller, s.ritualId(), s.currentStep());
            case "skip" -> recovery.skip(caller, s.ritualId(), s.currentStep());
            default -> recovery.terminate(caller, s.ritualId(), "bulk recovery");
        };
    }

    @POST
    @Path("agents/reinit")
    @Bulkhead(value = 2, waitingTaskQueue = 16)
    @AsynchronousNonBlocking
    @Operation(summary = "Reinitialise agents: their leases go back to READY and each must register again (new epoch)")
    public Uni<ReinitReport> reinit(@Valid AdminRequests.Reinit request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with agents[] is required");
        }
        return recovery.reinit(caller(), List.copyOf(new LinkedHashSet<>(request.agents())))
                .map(done -> new ReinitReport(done.stream()
                        .map(a -> new Reinitialised(a.agentId(), a.name(), a.epoch(), a.revoked())).toList()));
    }

    @GET
    @Path("audit")
    @Operation(summary = "The audit log, newest first; pass next_after as after for the next page",
            description = "limit 1-500 (100); action and target select exact values; before is the older name of after")
    public Uni<AuditLog.Page> audit(@QueryParam("limit") String limit, @QueryParam("after") String after,
                                    @QueryParam("before") String before, @QueryParam("action") String action,
                                    @QueryParam("target") String target) {
        if (after != null && before != null) {
            throw ProblemException.invalid("after", "give after or before, not both");
        }
        String name = after != null ? "after" : "before";
        String value = after != null ? after : before;
        Long cursor;
        try {
            cursor = value == null ? null : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid(name, "must be an audit entry id (a next_after)");
        }
        if (cursor != null && cursor < 1) {
            throw ProblemException.invalid(name, "must be an audit entry id (a next_after)");
        }
        return audit.list(Params.integer("limit", limit, 100, 1, 500), cursor, Params.text("action", action, 100),
                Params.text("target", target, 200));
    }

    @POST
    @Path("api-keys")
    @Operation(summary = "Create an API key; the key is shown in this answer only")
    @APIResponse(responseCode = "201", description = "Created; the key is shown in this answer only",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiKeys.NewKey.class)))
    public Uni<Response> createKey(@Valid AdminRequests.CreateKey request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with name and roles is required");
        }
        List<String> roles = List.copyOf(new LinkedHashSet<>(request.roles()));
        return keys.create(caller(), request.name(), roles)
                .map(key -> Response.created(URI.create("/admin/api-keys/" + key.id())).entity(key).build());
    }

    @GET
    @Path("api-keys")
    @Operation(summary = "API keys (never the keys themselves)")
    public Uni<Map<String, List<ApiKeys.KeyView>>> listKeys() {
        return keys.list().map(list -> Map.of("keys", list));
    }

    @DELETE
    @Path("api-keys/{id}")
    @Operation(summary = "Revoke an API key, at once on every replica")
    @APIResponse(responseCode = "204", description = "Revoked")
    public Uni<Response> revokeKey(@PathParam("id") String id) {
        return keys.revoke(caller(), Params.uuid("API key", id)).replaceWith(Response.noContent().build());
    }

    private Caller caller() {
        return Caller.of(identity);
    }
}

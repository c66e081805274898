package org.helix.rituals;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.platform.JsonBounds;
import org.helix.platform.Params;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;
import org.helix.ucf.Ucf;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/** Agents report the outcome of a leased step; the lease token fences every report. */
@Path("/api/rituals/{id}/steps/{n}")
@Tag(name = "Agents")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.AGENT_TOKEN, Roles.ADMIN})
public class StepResource {

    public record Completed(UUID ritualId, int step, StepStatus status, int stepsCompleted, int stepsTotal,
                            RitualStatus ritualStatus, LeaseGrant nextLease) {
    }

    public record Failed(UUID ritualId, int step, StepStatus status, int attempt, RitualStatus ritualStatus) {
    }

    /** The lease goes on until {@code lease_expires_at} at the latest; the next heartbeat is due by {@code heartbeat_due_at}. */
    public record StepHeartbeat(OffsetDateTime leaseExpiresAt, OffsetDateTime heartbeatDueAt) {
    }

    /** {@code progress}: how far the work got, shown on the step while it runs. */
    public record StepHeartbeatRequest(@NotNull(message = "is required") UUID leaseToken,
                                       Map<String, Object> progress) {
    }

    private final StepLeases leases;
    private final SecurityIdentity identity;

    public StepResource(StepLeases leases, SecurityIdentity identity) {
        this.leases = leases;
        this.identity = identity;
    }

    @POST
    @Path("complete")
    @Operation(summary = "Complete a leased step; with lease_next the answer carries the agent's next lease")
    public Uni<Completed> complete(@PathParam("id") String id, @PathParam("n") String n,
                                   @Valid CompleteStepRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with lease_token is required");
        }
        JsonObject output = new JsonObject();
        if (request.output() != null) {
            output.put("output", JsonBounds.bounded("output", request.output(), JsonBounds.DATA_BYTES));
        }
        if (request.ucf() != null) {
            request.ucf().forEach((metric, value) -> {
                if (!Ucf.METRICS.contains(metric) || value == null || value < 0 || value > 2) {
                    throw ProblemException.invalid("ucf." + metric, "must be one of " + Ucf.METRICS + " with a value in 0..2");
                }
            });
            output.put("ucf", new JsonObject(Map.copyOf(request.ucf())));
        }
        return leases.complete(Caller.of(identity), Params.uuid("ritual", id), Params.step(n), request.leaseToken(),
                        output.isEmpty() ? null : output, Boolean.TRUE.equals(request.leaseNext()))
                .map(c -> new Completed(c.ritualId(), c.step(), StepStatus.COMPLETED, c.stepsCompleted(), c.stepsTotal(),
                        c.ritualCompleted() ? RitualStatus.COMPLETED : RitualStatus.RUNNING, c.nextLease()));
    }

    @POST
    @Path("heartbeat")
    @Operation(summary = "Heartbeat a leased step: the work goes on (409: the lease is gone, stop the work)",
            description = "In a ritual with heartbeat_timeout_seconds an attempt neither completed nor heartbeated that"
                    + " long is lost (reason heartbeat_timeout). progress (a JSON object of at most 4 KiB) is shown on the"
                    + " step while it runs.")
    public Uni<StepHeartbeat> heartbeat(@PathParam("id") String id, @PathParam("n") String n,
                                        @Valid StepHeartbeatRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with lease_token is required");
        }
        JsonObject progress = JsonBounds.bounded("progress", request.progress(), JsonBounds.PROGRESS_BYTES);
        return leases.heartbeat(Caller.of(identity), Params.uuid("ritual", id), Params.step(n), request.leaseToken(),
                        progress)
                .map(beat -> new StepHeartbeat(beat.leaseExpiresAt(), beat.heartbeatDueAt()));
    }

    @POST
    @Path("fail")
    @Operation(summary = "Report a failed attempt; retryable attempts come back after a backoff, others stall the ritual")
    public Uni<Failed> fail(@PathParam("id") String id, @PathParam("n") String n, @Valid FailStepRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with lease_token is required");
        }
        String error = request.error() == null || request.error().isBlank() ? "failed" : request.error();
        return leases.fail(Caller.of(identity), Params.uuid("ritual", id), Params.step(n), request.leaseToken(), error,
                        !Boolean.FALSE.equals(request.retryable()))
                .map(lost -> new Failed(lost.ritualId(), lost.step(), lost.status(), lost.attempt(),
                        lost.status() == StepStatus.FAILED ? RitualStatus.STALLED : RitualStatus.RUNNING));
    }
}

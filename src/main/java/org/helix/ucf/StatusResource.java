package org.helix.ucf;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.agents.AgentService;
import org.helix.platform.Uptime;
import org.helix.rituals.RitualService;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** The collective at a glance: the field, who is online, what the rituals are doing. */
@Path("/")
@Tag(name = "Public")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class StatusResource {

    public record Agents(long count, List<String> active) {
    }

    public record Status(UcfResource.Field ucf, Phase phase, Agents agents, Map<String, Long> rituals,
                         double uptime, OffsetDateTime timestamp) {
    }

    private final UcfService ucf;
    private final AgentService agents;
    private final RitualService rituals;
    private final Clock clock;

    public StatusResource(UcfService ucf, AgentService agents, RitualService rituals, Clock clock) {
        this.ucf = ucf;
        this.agents = agents;
        this.rituals = rituals;
        this.clock = clock;
    }

    @GET
    @Path("status")
    @Operation(summary = "UCF, phase, agents, ritual counts, uptime")
    public Uni<Status> status() {
        return Uni.combine().all().unis(ucf.current(), agents.census(), rituals.counts()).asTuple().map(t -> {
            UcfResource.Field field = UcfResource.Field.of(t.getItem1());
            return new Status(field, field.phase(), new Agents(t.getItem2().count(), t.getItem2().online()), t.getItem3(),
                    Uptime.seconds(),
                    clock.instant().atOffset(ZoneOffset.UTC));
        });
    }

    @GET
    @Path("api/status")
    @Operation(summary = "Same as /status")
    public Uni<Status> apiStatus() {
        return status();
    }
}

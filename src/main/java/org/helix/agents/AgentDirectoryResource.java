package org.helix.agents;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** The public list of agents. */
@Path("/agents")
@Tag(name = "Public")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class AgentDirectoryResource {

    public record Directory(List<AgentView> agents, int total, long active) {
    }

    private final AgentService agents;

    public AgentDirectoryResource(AgentService agents) {
        this.agents = agents;
    }

    @GET
    @Operation(summary = "Every registered agent with its liveness")
    public Uni<Directory> list() {
        return agents.all().map(all -> new Directory(all, all.size(),
                all.stream().filter(a -> a.status() == AgentStatus.ONLINE).count()));
    }
}

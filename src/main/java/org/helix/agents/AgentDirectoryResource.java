package org.helix.agents;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.platform.Params;
import org.helix.platform.ProblemException;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The public list of agents. */
@Path("/agents")
@Tag(name = "Public")
@Produces(MediaType.APPLICATION_JSON)
@PermitAll
public class AgentDirectoryResource {

    /**
     * {@code total} and {@code active} (ONLINE) count every agent, as before paging; {@code counts} has each
     * status; {@code matching} is how many agents the filter selects, {@code agents} the page of them.
     */
    public record Directory(List<AgentView> agents, int total, long active, Map<String, Long> counts, long matching,
                            String nextAfter) {
    }

    private final AgentDirectory directory;

    public AgentDirectoryResource(AgentDirectory directory) {
        this.directory = directory;
    }

    @GET
    @Operation(summary = "Registered agents with their liveness, by name",
            description = "Without limit every matching agent, as before paging. status (ONLINE, STALE, OFFLINE) and"
                    + " name (a case-insensitive prefix) filter; limit (1-500) pages, and next_after passed as after"
                    + " gives the next page")
    public Uni<Directory> list(@QueryParam("status") String status, @QueryParam("name") String name,
                               @QueryParam("limit") String limit, @QueryParam("after") String after) {
        AgentDirectory.Filter filter = new AgentDirectory.Filter(Params.enumeration("status", status, AgentStatus.class),
                Params.text("name", name, 64));
        Integer size = limit == null ? null : Params.integer("limit", limit, 0, 1, 500);
        String cursor = Params.text("after", after, 64);
        if (cursor != null && size == null) {
            throw ProblemException.invalid("after", "pages need a limit");
        }
        return directory.counts().flatMap(counts -> {
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            Uni<Long> matching = filter.any() ? Uni.createFrom().item(total) : directory.matching(filter);
            return matching.flatMap(n -> directory.page(filter, size, cursor).map(page -> {
                Map<String, Long> byStatus = new TreeMap<>();
                counts.forEach((s, c) -> byStatus.put(s.name().toLowerCase(Locale.ROOT), c));
                return new Directory(page.agents(), (int) total,
                        counts.get(AgentStatus.ONLINE), byStatus, n, page.nextAfter());
            }));
        });
    }
}

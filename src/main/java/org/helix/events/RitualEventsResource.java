package org.helix.events;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.helix.platform.HelixConfig;
import org.helix.platform.Params;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Roles;
import org.helix.rituals.RitualQueries;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code GET /api/rituals/{id}/events}: one ritual's events as Server-Sent Events, resumable with
 * {@code Last-Event-ID}. A comment line every ping interval finds clients that went away without a word.
 */
@Path("/api/rituals/{id}/events")
@Tag(name = "Rituals")
@RolesAllowed({Roles.RITUALS, Roles.ADMIN})
public class RitualEventsResource {

    private final EventHub hub;
    private final RitualQueries rituals;
    private final Vertx vertx;
    private final HelixConfig config;
    private final StreamQuota quota;
    private final SecurityIdentity identity;

    public RitualEventsResource(EventHub hub, RitualQueries rituals, Vertx vertx, HelixConfig config, StreamQuota quota,
                                SecurityIdentity identity) {
        this.hub = hub;
        this.rituals = rituals;
        this.vertx = vertx;
        this.config = config;
        this.quota = quota;
        this.identity = identity;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "A ritual's events, live; Last-Event-ID (or last_event_id) replays what was missed")
    public Uni<Void> stream(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventHeader,
                            @QueryParam("last_event_id") String lastEventQuery,
                            @Context SseEventSink sink, @Context Sse sse) {
        UUID ritual = Params.uuid("ritual", id);
        String last = lastEventHeader != null ? lastEventHeader : lastEventQuery;
        Long lastEventId;
        try {
            lastEventId = last == null || last.isBlank() ? null : Long.parseLong(last.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("Last-Event-ID", "must be an event id");
        }
        String principal = Caller.of(identity).principal();
        int max = config.session().maxSsePerPrincipal();
        return rituals.exists(ritual).flatMap(exists -> {
            if (!exists) {
                throw ProblemException.notFound("no ritual " + ritual);
            }
            if (!quota.acquire(principal, max)) {
                throw new ProblemException(429, "Too Many Requests", "at most " + max
                        + " open event streams per key; close one first", null, Map.of("Retry-After", "10"));
            }
            SseStream stream = new SseStream(ritual, sink, sse);
            return hub.subscribe(stream, lastEventId).onFailure().invoke(e -> quota.release(principal)).invoke(subscription -> {
                stream.subscription = subscription;
                long period = config.session().pingInterval().toMillis();
                vertx.setPeriodic(period, period, timer -> {
                    if (sink.isClosed() || stream.closed) {
                        vertx.cancelTimer(timer);
                        subscription.cancel();
                        quota.release(principal); // the timer runs until the stream ends, and stops here once
                        return;
                    }
                    sink.send(sse.newEventBuilder().comment("keep-alive").build())
                            .whenComplete((ok, e) -> {
                                if (e != null) {
                                    stream.close();
                                }
                            });
                });
            }).replaceWithVoid();
        });
    }

    /** One SSE response as the hub sees it: only its ritual's events. */
    static final class SseStream implements Subscriber {
        private final UUID ritual;
        private final SseEventSink sink;
        private final Sse sse;
        volatile EventHub.Subscription subscription;
        volatile boolean closed;

        SseStream(UUID ritual, SseEventSink sink, Sse sse) {
            this.ritual = ritual;
            this.sink = sink;
            this.sse = sse;
        }

        @Override
        public Set<UUID> rituals() {
            return Set.of(ritual);
        }

        @Override
        public boolean includesGlobal() {
            return false;
        }

        @Override
        public Uni<Void> send(Event event) {
            if (sink.isClosed()) {
                close();
                return Uni.createFrom().voidItem();
            }
            OutboundSseEvent.Builder builder = sse.newEventBuilder().name(event.type())
                    .mediaType(MediaType.APPLICATION_JSON_TYPE).data(event.json());
            if (event.id() > 0) {
                builder.id(Long.toString(event.id()));
            }
            return Uni.createFrom().completionStage(sink.send(builder.build()))
                    .onFailure().invoke(e -> close()).onFailure().recoverWithNull().replaceWithVoid();
        }

        @Override
        public void overflow() {
            close();
        }

        void close() {
            if (!closed) {
                closed = true;
                if (subscription != null) {
                    subscription.cancel();
                }
                sink.close();
            }
        }
    }
}

package org.helix.rituals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.agents.AgentService;
import org.helix.agents.AgentStatus;
import org.helix.events.EventLog;
import org.helix.platform.HelixConfig;
import org.helix.platform.JsonBounds;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Tokens;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/** Starting, reading and cancelling rituals. */
@ApplicationScoped
public class RitualService {

    static final String DEFAULT_MANTRA = "Tat Tvam Asi";
    private static final int DEFAULT_STEPS = 108;
    private static final Logger LOG = Logger.getLogger(RitualService.class);

    /** The request as stored and replayed: defaults applied. */
    record Plan(int steps, String mantra, List<String> participants, String priority, int stepTimeoutSeconds,
                int deadlineSeconds, int maxAttempts, Integer expectedSeconds, Map<String, Object> input,
                Integer heartbeatTimeoutSeconds, List<String> requiredCapabilities) {
    }

    private final RitualStore store;
    private final RitualQueries queries;
    private final Clock clock;
    private final HelixConfig config;
    private final AgentService agents;
    private final StepLeases leases;
    private final LeaseWaiters waiters;
    private final EventLog events;
    private final ObjectMapper json;
    private final Metrics metrics;

    public RitualService(RitualStore store, RitualQueries queries, Clock clock, HelixConfig config, AgentService agents,
                         StepLeases leases, LeaseWaiters waiters, EventLog events, ObjectMapper json, Metrics metrics) {
        this.store = store;
        this.queries = queries;
        this.clock = clock;
        this.config = config;
        this.agents = agents;
        this.leases = leases;
        this.waiters = waiters;
        this.events = events;
        this.json = json;
        this.metrics = metrics;
    }

    public Uni<RitualAccepted> start(StartRitualRequest request, Caller caller, String idempotencyKey) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON object is required ({} means all defaults)");
        }
        Plan plan = plan(request);
        if (idempotencyKey == null) {
            return checkParticipants(plan).flatMap(ok -> create(plan, caller, null));
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > 255 || !idempotencyKey.matches("[\\x21-\\x7e]+")) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1-255 visible ASCII characters");
        }
        RitualStore.KeyClaim claim = new RitualStore.KeyClaim(caller.principal(), idempotencyKey, hash(plan));
        return checkParticipants(plan)
                .flatMap(ok -> replay(claim))
                .flatMap(previous -> previous != null ? Uni.createFrom().item(previous)
                        : create(plan, caller, claim)
                        // a concurrent request with the same key won the insert: answer what it created
                        .onFailure(RitualStore.KeyTaken.class).recoverWithUni(() -> replay(claim)));
    }

    private Plan plan(StartRitualRequest r) {
        List<String> participants = r.participants() == null ? List.of() : r.participants();
        if (new LinkedHashSet<>(participants).size() != participants.size()) {
            throw ProblemException.invalid("participants", "must not list an agent twice");
        }
        List<String> required = r.requiredCapabilities() == null ? List.of()
                : List.copyOf(new TreeSet<>(r.requiredCapabilities()));
        int stepTimeout = r.stepTimeoutSeconds() == null ? (int) config.ritual().stepTimeout().toSeconds()
                : r.stepTimeoutSeconds();
        if (r.heartbeatTimeoutSeconds() != null && r.heartbeatTimeoutSeconds() > stepTimeout) {
            throw ProblemException.invalid("heartbeat_timeout_seconds", "must be at most the step timeout ("
                    + stepTimeout + " s)");
        }
        JsonBounds.bounded("input", r.input(), JsonBounds.DATA_BYTES);
        return new Plan(r.steps() == null ? DEFAULT_STEPS : r.steps(),
                r.mantra() == null ? DEFAULT_MANTRA : r.mantra(),
                participants,
                r.priority() == null ? "normal" : r.priority(),
                stepTimeout,
                r.deadlineSeconds() == null ? (int) config.ritual().deadline().toSeconds() : r.deadlineSeconds(),
                r.maxAttempts() == null ? config.ritual().maxAttempts() : r.maxAttempts(),
                r.durationMinutes() == null ? null : r.durationMinutes() * 60,
                r.input(), r.heartbeatTimeoutSeconds(), required);
    }

    private Uni<Void> checkParticipants(Plan plan) {
        if (plan.participants().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return agents.statuses(plan.participants()).map(known -> {
            Set<String> unknown = new TreeSet<>(plan.participants());
            unknown.removeAll(known.keySet());
            if (!unknown.isEmpty()) {
                throw ProblemException.invalid("participants", "unknown agent(s): " + String.join(", ", unknown));
            }
            return null;
        });
    }

    private Uni<RitualAccepted> create(Plan plan, Caller caller, RitualStore.KeyClaim claim) {
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        Instant deadline = now.plusSeconds(plan.deadlineSeconds());
        return store.create(new RitualStore.NewRitual(id, plan.steps(), plan.mantra(), plan.participants(),
                        plan.priority(), plan.stepTimeoutSeconds(), plan.maxAttempts(), plan.expectedSeconds(),
                        caller.principal(), now, deadline, plan.input() == null ? null : new JsonObject(plan.input()),
                        plan.heartbeatTimeoutSeconds(), plan.requiredCapabilities()), claim)
                .map(ignored -> {
                    leases.remember(id, plan.steps());
                    metrics.ritualStarted();
                    Logs.info(LOG, id, null, "ritual accepted: %d steps, deadline %s", plan.steps(), deadline);
                    events.committed();
                    waiters.ready(plan.participants(), 1);
                    return accepted(id, plan.participants(), now, deadline, plan.expectedSeconds());
                });
    }

    /** The original answer for this key, or null if the key is new (or older than the idempotency window). */
    private Uni<RitualAccepted> replay(RitualStore.KeyClaim claim) {
        return queries.replay(claim.principal(), claim.key(), clock.instant().minus(config.ritual().idempotencyWindow()))
                .map(previous -> {
                    if (previous == null) {
                        return null;
                    }
                    if (!previous.requestHash().equals(claim.requestHash())) {
                        throw new ProblemException(422, "Idempotency-Key reused",
                                "this Idempotency-Key was used with a different request body", null, Map.of());
                    }
                    return accepted(previous.ritualId(), previous.participants(), previous.createdAt(),
                            previous.deadlineAt(), previous.expectedSeconds());
                });
    }

    private static RitualAccepted accepted(UUID id, List<String> participants, Instant created, Instant deadline,
                                           Integer expectedSeconds) {
        Instant estimate = expectedSeconds == null ? deadline : created.plusSeconds(expectedSeconds);
        return new RitualAccepted(id, "initiated", ts(estimate.isAfter(deadline) ? deadline : estimate), ts(deadline),
                participants, "ritual accepted; " + (participants.isEmpty() ? "any online agent"
                : String.join(", ", participants)) + " will carry its steps");
    }

    private String hash(Plan plan) {
        try {
            return Tokens.hash(json.writeValueAsString(plan));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Uni<RitualView> cancel(UUID id) {
        return store.cancel(id, clock.instant())
                .flatMap(ended -> {
                    if (ended.isEmpty()) {
                        return view(id).map(view -> {
                            if (view.status() == RitualStatus.CANCELLED) {
                                return view; // a retried cancel: the outcome the client wanted
                            }
                            throw ProblemException.conflict("ritual is " + view.status() + " and can no longer be cancelled");
                        });
                    }
                    events.committed();
                    return view(id);
                });
    }

    public Uni<RitualView> view(UUID id) {
        return queries.withCurrentStep(id).flatMap(found -> {
            if (found == null) {
                return Uni.createFrom().failure(ProblemException.notFound("no ritual " + id));
            }
            if (!found.ritual().status().live()) {
                return Uni.createFrom().item(RitualView.of(found.ritual(), null));
            }
            return waitingReason(found.ritual(), found.step()).map(reason -> RitualView.of(found.ritual(), reason));
        });
    }

    private Uni<String> waitingReason(RitualRows.RitualRow ritual, RitualRows.StepRow step) {
        List<String> participants = ritual.participants();
        Uni<Map<String, AgentStatus>> statuses = participants.isEmpty()
                ? Uni.createFrom().item(Map.of()) : agents.statuses(participants);
        Uni<Long> online = participants.isEmpty() ? agents.onlineCount() : Uni.createFrom().item(0L);
        Uni<Long> capable = ritual.requiredCapabilities().isEmpty() ? Uni.createFrom().item(0L)
                : agents.capableCount(ritual.requiredCapabilities(), participants);
        return Uni.combine().all().unis(statuses, online, capable).asTuple()
                .map(t -> WaitingReasons.of(ritual, step, t.getItem1(), t.getItem2(), t.getItem3(), clock.instant()));
    }

    public record Page(List<RitualView> rituals, String nextAfter) {
    }

    public Uni<Page> list(RitualFilter filter, int limit, String after) {
        Cursor cursor = after == null ? null : Cursor.parse(after);
        // one row more than the page: it tells whether a next page exists, so the last page says so (null)
        return queries.list(filter, limit + 1, cursor).map(rituals -> {
            List<RitualView> views = rituals.stream().limit(limit).map(r -> RitualView.of(r, null)).toList();
            RitualRows.RitualRow last = rituals.size() <= limit ? null : rituals.get(limit - 1);
            return new Page(views, last == null ? null : new Cursor(last.createdAt(), last.id()).encode());
        });
    }

    public Uni<List<StepView>> steps(UUID id) {
        return queries.steps(id).map(steps -> {
            if (steps == null) {
                throw ProblemException.notFound("no ritual " + id);
            }
            return steps.stream().map(StepView::of).toList();
        });
    }

    /** How many rituals are in each status (every status present, zero if none). */
    public Uni<Map<String, Long>> counts() {
        return queries.counts();
    }
}

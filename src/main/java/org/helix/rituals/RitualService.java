package org.helix.rituals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.agents.AgentService;
import org.helix.agents.AgentStatus;
import org.helix.events.EventLog;
import org.helix.events.EventType;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Tokens;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
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

    private static final String CREATE = """
            with ritual_row as (
                insert into ritual (id, status, steps_total, mantra, participants, priority, step_timeout_seconds,
                                    max_attempts, expected_seconds, created_by, created_at, deadline_at, last_progress_at)
                values ($1, 'PENDING', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)
                returning id
            ),
            steps as (
                insert into step (ritual_id, number, status, ready_at)
                select $1, n, case when n = 1 then 'READY' else 'PENDING' end, case when n = 1 then $10 end
                from generate_series(1, $2) n
            ),
            ev as (
                insert into event (type, ritual_id, created_at, payload)
                values ('ritual_progress', $1, $10, jsonb_build_object('ritual_id', $1::uuid, 'status', 'PENDING',
                    'steps_completed', 0, 'steps_total', $2::int, 'participants', to_jsonb($4::text[]),
                    'priority', $5::text, 'deadline_at', $11::timestamptz))
            )
            select id from ritual_row
            """;

    /** The request as stored and replayed: defaults applied. */
    record Plan(int steps, String mantra, List<String> participants, String priority, int stepTimeoutSeconds,
                int deadlineSeconds, int maxAttempts, Integer expectedSeconds) {
    }

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final AgentService agents;
    private final StepLeases leases;
    private final LeaseWaiters waiters;
    private final RitualEnding ending;
    private final EventLog events;
    private final ObjectMapper json;
    private final Metrics metrics;
    private static final Logger LOG = Logger.getLogger(RitualService.class);

    public RitualService(Db db, Clock clock, HelixConfig config, AgentService agents, StepLeases leases,
                         LeaseWaiters waiters, RitualEnding ending, EventLog events, ObjectMapper json,
                         Metrics metrics) {
        this.metrics = metrics;
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.agents = agents;
        this.leases = leases;
        this.waiters = waiters;
        this.ending = ending;
        this.events = events;
        this.json = json;
    }

    public Uni<RitualAccepted> start(StartRitualRequest request, Caller caller, String idempotencyKey) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON object is required ({} means all defaults)");
        }
        Plan plan = plan(request);
        if (idempotencyKey == null) {
            return checkParticipants(plan).flatMap(ok -> create(plan, caller, null, null));
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > 255 || !idempotencyKey.matches("[\\x21-\\x7e]+")) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1-255 visible ASCII characters");
        }
        String hash = hash(plan);
        return checkParticipants(plan)
                .flatMap(ok -> replay(caller, idempotencyKey, hash))
                .flatMap(previous -> previous != null ? Uni.createFrom().item(previous)
                        : create(plan, caller, idempotencyKey, hash)
                        // a concurrent request with the same key won the insert: answer what it created
                        .onFailure(IdempotencyRace.class).recoverWithUni(() -> replay(caller, idempotencyKey, hash)));
    }

    private Plan plan(StartRitualRequest r) {
        List<String> participants = r.participants() == null ? List.of() : r.participants();
        if (new LinkedHashSet<>(participants).size() != participants.size()) {
            throw ProblemException.invalid("participants", "must not list an agent twice");
        }
        return new Plan(r.steps() == null ? DEFAULT_STEPS : r.steps(),
                r.mantra() == null ? DEFAULT_MANTRA : r.mantra(),
                participants,
                r.priority() == null ? "normal" : r.priority(),
                r.stepTimeoutSeconds() == null ? (int) config.ritual().stepTimeout().toSeconds() : r.stepTimeoutSeconds(),
                r.deadlineSeconds() == null ? (int) config.ritual().deadline().toSeconds() : r.deadlineSeconds(),
                r.maxAttempts() == null ? config.ritual().maxAttempts() : r.maxAttempts(),
                r.durationMinutes() == null ? null : r.durationMinutes() * 60);
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

    private Uni<RitualAccepted> create(Plan plan, Caller caller, String key, String hash) {
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        Instant deadline = now.plusSeconds(plan.deadlineSeconds());
        Tuple args = Tuple.of(id, plan.steps(), plan.mantra(), plan.participants().toArray(String[]::new),
                        plan.priority(), plan.stepTimeoutSeconds())
                .addValue(plan.maxAttempts()).addValue(plan.expectedSeconds()).addValue(caller.principal())
                .addValue(ts(now)).addValue(ts(deadline));
        return db.inTransaction(tx -> tx.preparedQuery(CREATE).execute(args).flatMap(created -> key == null
                        ? Uni.createFrom().voidItem()
                        : tx.preparedQuery("""
                                insert into idempotency_key (principal, key, request_hash, ritual_id, created_at)
                                values ($1, $2, $3, $4, $5) on conflict do nothing returning ritual_id""")
                        .execute(Tuple.of(caller.principal(), key, hash, id, ts(now)))
                        .invoke(rows -> {
                            if (rows.size() == 0) {
                                throw new IdempotencyRace();
                            }
                        }).replaceWithVoid()))
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
    private Uni<RitualAccepted> replay(Caller caller, String key, String hash) {
        OffsetDateTime horizon = ts(clock.instant().minus(config.ritual().idempotencyWindow()));
        return db.query("""
                        with expired as (
                            delete from idempotency_key where principal = $1 and key = $2 and created_at < $3
                        )
                        select k.request_hash, r.id, r.participants, r.created_at, r.deadline_at, r.expected_seconds
                        from idempotency_key k join ritual r on r.id = k.ritual_id
                        where k.principal = $1 and k.key = $2 and k.created_at >= $3""",
                        Tuple.of(caller.principal(), key, horizon))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    if (!row.getString("request_hash").equals(hash)) {
                        throw new ProblemException(422, "Idempotency-Key reused",
                                "this Idempotency-Key was used with a different request body", null, Map.of());
                    }
                    return accepted(row.getUUID("id"), List.of(row.getArrayOfStrings("participants")),
                            row.getOffsetDateTime("created_at").toInstant(),
                            row.getOffsetDateTime("deadline_at").toInstant(), row.getInteger("expected_seconds"));
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

    /** Thrown inside the creating transaction to roll it back when another request took the key first. */
    static final class IdempotencyRace extends RuntimeException {
        IdempotencyRace() {
            super(null, null, false, false);
        }
    }

    public Uni<RitualView> cancel(UUID id) {
        Instant now = clock.instant();
        return db.inTransaction(tx -> ending.end(tx, RitualEnding.Selection.ONE, id, RitualStatus.CANCELLED,
                        EventType.RITUAL_PROGRESS, "cancelled", now))
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
        return db.read(() -> Ritual.<Ritual>findById(id).flatMap(ritual -> {
            if (ritual == null) {
                return Uni.createFrom().failure(ProblemException.notFound("no ritual " + id));
            }
            if (!ritual.status.live()) {
                return Uni.createFrom().item(RitualViews.of(ritual, null));
            }
            return Step.<Step>find("key.ritualId = ?1 and key.number = ?2", id, ritual.currentStep).firstResult()
                    .flatMap(step -> waitingReason(ritual, step))
                    .map(reason -> RitualViews.of(ritual, reason));
        }));
    }

    private Uni<String> waitingReason(Ritual ritual, Step step) {
        List<String> participants = List.of(ritual.participants);
        Uni<Map<String, AgentStatus>> statuses = participants.isEmpty()
                ? Uni.createFrom().item(Map.of()) : agents.statuses(participants);
        Uni<Long> online = participants.isEmpty() ? agents.onlineCount() : Uni.createFrom().item(0L);
        return Uni.combine().all().unis(statuses, online).asTuple()
                .map(t -> WaitingReasons.of(ritual, step, t.getItem1(), t.getItem2(), clock.instant()));
    }

    public record Page(List<RitualView> rituals, String nextAfter) {
    }

    public Uni<Page> list(RitualStatus status, int limit, String after) {
        Cursor cursor = after == null ? null : Cursor.parse(after);
        StringBuilder where = new StringBuilder("1 = 1");
        List<Object> params = new ArrayList<>();
        if (status != null) {
            params.add(status);
            where.append(" and status = ?").append(params.size());
        }
        if (cursor != null) {
            params.add(cursor.createdAt());
            int at = params.size();
            params.add(cursor.id());
            where.append(" and (createdAt < ?").append(at).append(" or (createdAt = ?").append(at)
                    .append(" and id < ?").append(at + 1).append("))");
        }
        return db.read(() -> Ritual.<Ritual>find(where + " order by createdAt desc, id desc", params.toArray())
                        .range(0, limit).list())
                .map(rituals -> {
                    List<RitualView> views = rituals.stream().limit(limit).map(r -> RitualViews.of(r, null)).toList();
                    String next = rituals.size() < limit ? null
                            : new Cursor(rituals.get(limit - 1).createdAt, rituals.get(limit - 1).id).encode();
                    return new Page(views, next);
                });
    }

    public Uni<List<StepView>> steps(UUID id) {
        return db.read(() -> Ritual.<Ritual>findById(id).flatMap(ritual -> {
            if (ritual == null) {
                return Uni.createFrom().failure(ProblemException.notFound("no ritual " + id));
            }
            return Step.<Step>find("key.ritualId = ?1 order by key.number", id).list()
                    .map(steps -> steps.stream().map(StepView::of).toList());
        }));
    }

    /** An opaque keyset cursor: the last row's (created_at, id). */
    record Cursor(OffsetDateTime createdAt, UUID id) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor parse(String value) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8).split("\\|");
                return new Cursor(OffsetDateTime.parse(parts[0]), UUID.fromString(parts[1]));
            } catch (RuntimeException e) {
                throw ProblemException.invalid("after", "is not a cursor this service returned");
            }
        }
    }

    /** How many rituals are in each status (every status present, zero if none). */
    public Uni<Map<String, Long>> counts() {
        return db.query("select status, count(*) as n from ritual group by status", Tuple.tuple()).map(rows -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (RitualStatus status : RitualStatus.values()) {
                counts.put(status.name().toLowerCase(), 0L);
            }
            for (Row row : rows) {
                counts.put(row.getString("status").toLowerCase(), row.getLong("n"));
            }
            return counts;
        });
    }
}

package org.helix.agents;

import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.helix.events.EventLog;
import org.helix.events.EventType;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.Logs;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.CredentialStore;
import org.helix.platform.security.Tokens;
import org.jboss.logging.Logger;
import org.helix.rituals.LeaseWaiters;
import org.helix.rituals.LostAttempt;
import org.helix.rituals.RitualStore;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/**
 * Registration, heartbeats and leaving. A registration is idempotent by name and starts a new epoch with a
 * new token: leases of the old epoch are lost at once (the old process is presumed dead), the old token
 * stops working on every replica.
 */
@ApplicationScoped
public class AgentService {

    private static final Logger LOG = Logger.getLogger(AgentService.class);
    public static final String TOKEN_PREFIX = "ha_";

    private static final String REGISTER = """
            with prev as (
                select id, token_hash, status from agent where name = $2
            ),
            up as (
                insert into agent (id, name, symbol, role, layer, capabilities, epoch, token_hash, status, workload,
                                   builtin, registered_at, last_seen_at, status_changed_at)
                values ($1, $2, $3, $4, $5, $6, 1, $7, 'ONLINE', $10, $8, $9, $9, $9)
                on conflict (name) do update set symbol = excluded.symbol, role = excluded.role, layer = excluded.layer,
                    capabilities = excluded.capabilities, epoch = agent.epoch + 1, token_hash = excluded.token_hash,
                    status = 'ONLINE', workload = excluded.workload, builtin = excluded.builtin, registered_at = excluded.registered_at,
                    last_seen_at = excluded.last_seen_at,
                    status_changed_at = case when agent.status <> 'ONLINE' then excluded.status_changed_at
                                             else agent.status_changed_at end
                returning id, epoch, workload
            ),
            ev as (
                %s
            )
            select up.id, up.epoch, (select token_hash from prev) as previous_token_hash from up
            """.formatted(new EventLog.AgentChange("up.id", "$2::text", "(select status from prev)", "'ONLINE'",
            "up.workload", "'registered'", "up.epoch").insert("$9", "up"));

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final RitualStore store;
    private final LeaseWaiters waiters;
    private final CredentialStore credentials;
    private final EventLog events;

    public AgentService(Db db, Clock clock, HelixConfig config, RitualStore store, LeaseWaiters waiters,
                        CredentialStore credentials, EventLog events) {
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.store = store;
        this.waiters = waiters;
        this.credentials = credentials;
        this.events = events;
    }

    /**
     * Bounded: a registration storm queues up to a limit and is then refused (503 + Retry-After), so it can
     * never take the connections the lease/complete path and the status endpoints need.
     */
    @Bulkhead(value = 8, waitingTaskQueue = 256)
    @AsynchronousNonBlocking
    public Uni<Registration> register(RegisterAgentRequest request, boolean builtin) {
        Instant now = clock.instant();
        String token = Tokens.generate(TOKEN_PREFIX);
        String[] capabilities = request.capabilities() == null ? new String[0] : request.capabilities().toArray(String[]::new);
        Tuple args = Tuple.of(UUID.randomUUID(), request.name(), request.symbol(), request.role(), request.layer(),
                capabilities).addValue(Tokens.hash(token)).addValue(builtin).addValue(ts(now))
                .addValue(request.workload() == null ? 0.0 : request.workload());
        // lose the old epoch's leases before touching the agent row: rituals and steps are always locked
        // before agents, so registration cannot deadlock with completions
        return db.inTransaction(tx -> tx.preparedQuery("select id from agent where name = $1")
                        .execute(Tuple.of(request.name()))
                        .flatMap(existing -> existing.size() == 0 ? Uni.createFrom().item(List.<RitualStore.Lost>of())
                                : store.lose(tx, new RitualStore.OfAgent(existing.iterator().next().getUUID("id")),
                                LostAttempt.Cause.RE_REGISTERED, null, true, now))
                        .flatMap(lost -> tx.preparedQuery(REGISTER).execute(args).map(rows -> Map.entry(rows, lost))))
                .map(committed -> {
                    // after the commit: woken before it, waiters would find the steps still locked
                    waiters.ready(committed.getValue());
                    Row row = committed.getKey().iterator().next();
                    String previous = row.getString("previous_token_hash");
                    if (previous != null) {
                        credentials.evict(previous);
                    }
                    events.committed();
                    Logs.info(LOG, null, row.getUUID("id"), "agent %s registered, epoch %d", request.name(),
                            row.getInteger("epoch"));
                    return new Registration(row.getUUID("id"), request.name(), row.getInteger("epoch"), token,
                            config.agent().heartbeatInterval().toSeconds());
                });
    }

    /** @param workload the fraction of its capacity the agent is using, 0..1 */
    public Uni<HeartbeatResponse> heartbeat(Caller caller, UUID agentId, double workload) {
        Instant now = clock.instant();
        return db.inTransaction(tx -> tx.preparedQuery("""
                                with before as (select status, name from agent where id = $1 and ($2 < 0 or epoch = $2)),
                                upd as (
                                    update agent set last_seen_at = $3, workload = $4, status = 'ONLINE',
                                        status_changed_at = case when status <> 'ONLINE' then $3 else status_changed_at end
                                    where id = $1 and ($2 < 0 or epoch = $2) returning id
                                ),
                                ev as (
                                    %s
                                )
                                select count(*) as found from upd""".formatted(new EventLog.AgentChange("$1::uuid",
                                "before.name", "before.status", "'ONLINE'", "$4::float8", "'heartbeat'", null)
                                .insert("$3", "before, upd where before.status <> 'ONLINE'")))
                        .execute(Tuple.of(agentId, epochOf(caller), ts(now), workload))
                        .flatMap(found -> {
                            if (found.iterator().next().getLong("found") == 0) {
                                throw caller.isAgent()
                                        ? ProblemException.conflict("agent " + agentId + " was registered again; this token's epoch is over")
                                        : ProblemException.notFound("no agent " + agentId);
                            }
                            return tx.preparedQuery("""
                                    delete from lease_revocation where agent_id = $1
                                    returning ritual_id, step, attempt, reason, revoked_at""").execute(Tuple.of(agentId));
                        }))
                .map(rows -> {
                    List<HeartbeatResponse.Revoked> revoked = new ArrayList<>();
                    for (Row row : rows) {
                        revoked.add(new HeartbeatResponse.Revoked(row.getUUID("ritual_id"), row.getInteger("step"),
                                row.getInteger("attempt"), row.getString("reason")));
                    }
                    events.committed();
                    return new HeartbeatResponse(AgentStatus.ONLINE, config.agent().heartbeatInterval().toSeconds(),
                            revoked);
                });
    }

    /** A graceful leave: the agent's leases go back to READY at once, without using up an attempt. */
    public Uni<Void> deregister(Caller caller, UUID agentId) {
        Instant now = clock.instant();
        return db.inTransaction(tx -> store.lose(tx, new RitualStore.OfAgent(agentId), LostAttempt.Cause.DEREGISTERED,
                        null, true, now)
                .flatMap(lost -> tx.preparedQuery("""
                                with before as (select status, name from agent where id = $1),
                                upd as (
                                    update agent set status = 'OFFLINE', status_changed_at = $2, workload = 0
                                    where id = $1 returning id
                                ),
                                ev as (
                                    %s
                                )
                                select count(*) as found from upd""".formatted(new EventLog.AgentChange("$1::uuid",
                                "before.name", "before.status", "'OFFLINE'", "0", "'deregistered'", null)
                                .insert("$2", "before, upd"))).execute(Tuple.of(agentId, ts(now)))
                        .map(rows -> lost)))
                .map(lost -> {
                    events.committed();
                    waiters.ready(lost);
                    return null;
                });
    }

    private static int epochOf(Caller caller) {
        // an admin heartbeating on an agent's behalf speaks for its current epoch
        return caller.isAgent() ? caller.agentEpoch() : -1;
    }

    /** Status of each named agent that exists. */
    public Uni<Map<String, AgentStatus>> statuses(List<String> names) {
        return db.query("select name, status from agent where name = any($1)", Tuple.of(names.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, AgentStatus> statuses = new HashMap<>();
                    for (Row row : rows) {
                        statuses.put(row.getString("name"), AgentStatus.valueOf(row.getString("status")));
                    }
                    return statuses;
                });
    }

    /** For /status: how many agents there are and the names of those ONLINE, without loading every agent. */
    public record Census(long count, List<String> online) {
    }

    public Uni<Census> census() {
        return db.query("""
                        select (select count(*) from agent) as total,
                               coalesce((select array_agg(name order by name) from agent where status = 'ONLINE'), '{}') as online""",
                        Tuple.tuple())
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Census(row.getLong("total"), List.of(row.getArrayOfStrings("online")));
                });
    }

    /** The id of the agent with this name, inside the caller's transaction (null: none). */
    /** An agent as an operator names it: its id and the capabilities it declared. */
    public record Named(UUID id, List<String> capabilities) {
    }

    public Uni<Named> byName(io.vertx.mutiny.sqlclient.SqlConnection tx, String name) {
        return tx.preparedQuery("select id, capabilities from agent where name = $1").execute(Tuple.of(name))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new Named(row.getUUID("id"), List.of(row.getArrayOfStrings("capabilities")));
                });
    }

    /** Agents not OFFLINE that declared every one of {@code capabilities} (and are participants, if any are named). */
    public Uni<Long> capableCount(List<String> capabilities, List<String> participants) {
        return db.query("""
                        select count(*) as n from agent where status <> 'OFFLINE' and capabilities @> $1
                          and (cardinality($2::text[]) = 0 or name = any($2))""",
                        Tuple.of(capabilities.toArray(String[]::new), participants.toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    public Uni<Long> onlineCount() {
        return db.query("select count(*) as n from agent where status <> 'OFFLINE'", Tuple.tuple())
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    /** At most {@code limit} agents, ONLINE ones first, then STALE, then OFFLINE, each by name. */
    public Uni<List<AgentView>> directory(int limit) {
        return db.query("""
                        select * from agent
                        order by case status when 'ONLINE' then 0 when 'STALE' then 1 else 2 end, name limit $1""",
                        Tuple.of((long) limit))
                .map(rows -> {
                    List<AgentView> listed = new ArrayList<>(rows.size());
                    rows.forEach(row -> listed.add(AgentView.of(row)));
                    return listed;
                });
    }

    public Uni<List<AgentView>> all() {
        return db.query("select * from agent order by name", Tuple.tuple()).map(rows -> {
            List<AgentView> all = new ArrayList<>(rows.size());
            rows.forEach(row -> all.add(AgentView.of(row)));
            return all;
        });
    }

    /** One agent an operator reinitialised: its new epoch, the leases it lost, its superseded token. */
    public record Reinitialised(UUID agentId, String name, int epoch, List<RitualStore.Lost> lost,
                                String supersededTokenHash) {
        public int revoked() {
            return lost.size();
        }
    }

    /**
     * Inside the caller's transaction: every lease of these agents goes back to READY (no attempt used), and
     * each starts a new epoch with no valid token, so the process must register again. Leases first, agent rows
     * after — the same lock order as registration.
     */
    public Uni<List<Reinitialised>> reinit(io.vertx.mutiny.sqlclient.SqlConnection tx, List<String> names) {
        Instant now = clock.instant();
        return tx.preparedQuery("select id, name from agent where name = any($1)")
                .execute(Tuple.of(names.toArray(String[]::new)))
                .flatMap(found -> {
                    Map<UUID, String> agents = new LinkedHashMap<>();
                    found.forEach(row -> agents.put(row.getUUID("id"), row.getString("name")));
                    if (agents.size() != new HashSet<>(names).size()) {
                        Set<String> unknown = new TreeSet<>(names);
                        unknown.removeAll(agents.values());
                        throw ProblemException.notFound("unknown agent(s): " + String.join(", ", unknown));
                    }
                    Map<UUID, List<RitualStore.Lost>> revoked = new HashMap<>();
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (UUID id : agents.keySet()) {
                        chain = chain.flatMap(v -> store.lose(tx, new RitualStore.OfAgent(id),
                                LostAttempt.Cause.REINITIALISED, null, true, now)
                                .invoke(lost -> revoked.put(id, lost)).replaceWithVoid());
                    }
                    return chain.flatMap(v -> tx.preparedQuery("""
                                    with before as (select id, token_hash, status from agent where id = any($1)),
                                    upd as (
                                        update agent a set epoch = a.epoch + 1, token_hash = 'superseded:' || gen_random_uuid(),
                                            status = 'OFFLINE', status_changed_at = $2, workload = 0
                                        from before where a.id = before.id
                                        returning a.id, a.name, a.epoch, before.token_hash as old_hash, before.status as previous
                                    ),
                                    ev as (
                                        %s
                                    )
                                    select id, name, epoch, old_hash from upd order by name""".formatted(
                                    new EventLog.AgentChange("upd.id", "upd.name", "upd.previous", "'OFFLINE'",
                                            "0", "'reinitialised by an operator'", "upd.epoch").insert("$2", "upd")))
                            .execute(Tuple.of(agents.keySet().toArray(UUID[]::new), ts(now))))
                            .map(rows -> {
                                List<Reinitialised> done = new ArrayList<>();
                                for (Row row : rows) {
                                    done.add(new Reinitialised(row.getUUID("id"), row.getString("name"),
                                            row.getInteger("epoch"), revoked.getOrDefault(row.getUUID("id"), List.of()),
                                            row.getString("old_hash")));
                                }
                                return done;
                            });
                });
    }

    /** After the reinitialising transaction committed: the old tokens stop working, the steps are offered. */
    public void reinitialised(List<Reinitialised> agents) {
        agents.forEach(a -> {
            credentials.evict(a.supersededTokenHash());
            waiters.ready(a.lost());
        });
        events.committed();
    }
}

package org.helix.admin;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.agents.AgentService;
import org.helix.events.EventLog;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.rituals.LeaseWaiters;
import org.helix.rituals.Repairs;
import org.helix.rituals.RitualStore;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * An operator's repairs of one ritual: retry, skip or reassign its current step, resume it, terminate it. Each
 * runs in one transaction that locks the ritual first, lets {@link Repairs} decide whether the state allows it
 * (409 otherwise) and whether it changes anything, performs the transition, and writes its audit entry. Repeating
 * a repair that already took effect changes nothing and answers 200, so a nervous operator's retry does no harm.
 */
@ApplicationScoped
public class Recovery {

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final RitualStore store;
    private final AgentService agents;
    private final LeaseWaiters waiters;
    private final EventLog events;
    private final AuditLog audit;

    public Recovery(Db db, Clock clock, HelixConfig config, RitualStore store, AgentService agents,
                    LeaseWaiters waiters, EventLog events, AuditLog audit) {
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.store = store;
        this.agents = agents;
        this.waiters = waiters;
        this.events = events;
        this.audit = audit;
    }

    /** A new attempt for the current step now: from FAILED, from a backoff, or away from a stuck lease. */
    public Uni<Void> retry(Caller caller, UUID ritual, int n) {
        return repair(caller, "step.retry", ritual, n, (tx, before) -> {
            Instant now = clock.instant();
            return Repairs.retry(before, now)
                    ? store.offer(tx, before, null, "operator retry", now).replaceWith(true)
                    : Uni.createFrom().item(false);
        });
    }

    /** Skips the current step: the next one becomes READY; skipping the last completes the ritual. */
    public Uni<Void> skip(Caller caller, UUID ritual, int n) {
        return repair(caller, "step.skip", ritual, n, (tx, before) -> Repairs.skip(before)
                ? store.skip(tx, before, clock.instant()).replaceWith(true)
                : Uni.createFrom().item(false));
    }

    /** Takes the current step from whoever holds it: only {@code agent} may lease it next. */
    public Uni<Void> reassign(Caller caller, UUID ritual, int n, String agentName) {
        return repair(caller, "step.reassign", ritual, n, (tx, before) -> agents.byName(tx, agentName).flatMap(agent -> {
            if (agent == null) {
                throw ProblemException.invalid("agent", "unknown agent '" + agentName + "'");
            }
            return Repairs.reassign(before, agent.id(), agentName, agent.capabilities())
                    ? store.offer(tx, before, agent.id(), "reassigned to " + agentName + " by an operator", clock.instant())
                    .replaceWith(true)
                    : Uni.createFrom().item(false);
        }));
    }

    /** Restarts a STALLED, FAILED or TIMED_OUT ritual from {@code fromStep} with a fresh deadline. */
    public Uni<Void> resume(Caller caller, UUID ritual, Integer fromStep, Integer deadlineSeconds) {
        return repair(caller, "ritual.resume", ritual, null, (tx, before) -> {
            int from = Repairs.resumeFrom(before, fromStep);
            Instant now = clock.instant();
            int deadline = deadlineSeconds == null ? (int) config.ritual().deadline().toSeconds() : deadlineSeconds;
            return store.resume(tx, ritual, from, now, now.plusSeconds(deadline)).replaceWith(true);
        });
    }

    /** Ends a live ritual as FAILED, without a UCF effect. */
    public Uni<Void> terminate(Caller caller, UUID ritual, String reason) {
        return repair(caller, "ritual.terminate", ritual, null, (tx, before) -> Repairs.terminate(before)
                ? store.terminate(tx, ritual, "terminated by an operator: " + reason, clock.instant()).replaceWith(true)
                : Uni.createFrom().item(false));
    }

    /** Reinitialises agents: their leases go back to READY (no attempt used) and each must register again. */
    public Uni<List<AgentService.Reinitialised>> reinit(Caller caller, List<String> names) {
        String target = "agents:" + String.join(",", names);
        return db.inTransaction(tx -> agents.reinit(tx, names).flatMap(done -> audit.record(tx, caller.principal(),
                        "agents.reinit", target, null,
                        new JsonObject().put("agents", done.stream().map(a -> Map.of("agent", a.name(), "epoch", a.epoch(),
                                "revoked", a.revoked())).toList()), "ok").replaceWith(done)))
                .invoke(agents::reinitialised)
                .onFailure(ProblemException.class).call(e -> audit.refused(caller.principal(), "agents.reinit", target,
                        e.getMessage()));
    }

    /**
     * The frame of every repair: lock and read, let {@code change} decide (it answers whether it changed
     * anything), audit, commit; then wake agents and streams. Refusals are audited too.
     */
    private Uni<Void> repair(Caller caller, String action, UUID ritual, Integer step,
                             BiFunction<SqlConnection, Repairs.Snapshot, Uni<Boolean>> change) {
        String target = "ritual:" + ritual + (step == null ? "" : "/step:" + step);
        return db.inTransaction(tx -> store.lockForRepair(tx, ritual, step).flatMap(before -> change.apply(tx, before)
                        .flatMap(changed -> store.lockForRepair(tx, ritual, step).flatMap(after -> audit.record(tx,
                                caller.principal(), action, target, before.json(), after.json(),
                                changed ? "ok" : "ok: no change needed")))))
                .invoke(() -> {
                    events.committed();
                    waiters.ready(List.of(), 1);
                })
                .onFailure(ProblemException.class).call(e -> audit.refused(caller.principal(), action, target, e.getMessage()));
    }
}

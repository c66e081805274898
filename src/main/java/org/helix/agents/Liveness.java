package org.helix.agents;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.helix.events.EventLog;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.helix.platform.Periodic;
import org.helix.platform.DbHealth;
import org.helix.rituals.LeaseWaiters;
import org.helix.rituals.LostAttempt;
import org.helix.rituals.RitualStore;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.helix.platform.Time.ts;

/**
 * Agent liveness from signs of life (heartbeats, leases, completions): ONLINE, STALE after
 * {@code stale-after} of silence, OFFLINE after {@code offline-after}; the leases of OFFLINE agents are lost
 * attempts and their steps go back to READY for someone else. Both statements are set-based, bounded and
 * use SKIP LOCKED, so every replica may run them at the same moment.
 */
@ApplicationScoped
public class Liveness {

    private static final Logger LOG = Logger.getLogger(Liveness.class);

    private static final String STATUSES = """
            with due as (
                select id, name, status as previous,
                       case when last_seen_at <= $2 then 'OFFLINE' when last_seen_at <= $5 then 'STALE' else 'ONLINE' end
                           as next
                from agent
                where (status <> 'OFFLINE' and last_seen_at <= $5) or (status = 'STALE' and last_seen_at > $1)
                order by last_seen_at
                limit $4
                for update skip locked
            ),
            upd as (
                update agent a set status = due.next, status_changed_at = $3
                from due where a.id = due.id and a.status <> due.next
                returning a.id, a.name, a.workload, due.previous, due.next
            ),
            ev as (
                %s
            )
            select id, name, previous, next from upd
            """.formatted(new EventLog.AgentChange("upd.id", "upd.name", "upd.previous", "upd.next", "upd.workload",
            "'heartbeat ' || case when upd.next = 'ONLINE' then 'resumed' else 'missed' end", null).insert("$3", "upd"));

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final RitualStore store;
    private final DbHealth health;
    private final LeaseWaiters waiters;
    private final EventLog events;

    private final Metrics metrics;

    public Liveness(Db db, Clock clock, HelixConfig config, RitualStore store, DbHealth health, LeaseWaiters waiters,
                    EventLog events, Metrics metrics) {
        this.store = store;
        this.health = health;
        this.metrics = metrics;
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.waiters = waiters;
        this.events = events;
    }

    void start(@Observes StartupEvent event, Periodic periodic) {
        periodic.every(config.sweep().interval(), "liveness sweep", this::sweep);
        // a gauge, not a promise: the census need not run with every sweep
        periodic.every(Duration.ofSeconds(5), "agent census", this::census);
    }

    /** One pass: statuses first, then the leases of agents now OFFLINE. Returns how many agents changed. */
    public Uni<Integer> sweep() {
        Instant now = clock.instant();
        int batch = config.sweep().batchSize();
        LivenessCutoffs cutoffs = LivenessCutoffs.of(now, config.agent().staleAfter(), config.agent().offlineAfter(),
                health.reachableSince());
        return db.query(STATUSES, Tuple.of(ts(cutoffs.staleSince()), ts(cutoffs.offlineIfSilentSince()), ts(now),
                        (long) batch, ts(cutoffs.staleIfSilentSince())))
                .flatMap(changed -> {
                    for (Row row : changed) {
                        Logs.info(LOG, null, row.getUUID("id"), "agent %s: %s -> %s",
                                row.getString("name"), row.getString("previous"), row.getString("next"));
                    }
                    return store.lose(new RitualStore.OfOfflineAgents(batch), LostAttempt.Cause.AGENT_OFFLINE, null,
                                    true, now)
                            .map(lost -> {
                                if (changed.size() > 0 || !lost.isEmpty()) {
                                    events.committed();
                                }
                                waiters.ready(lost);
                                return changed.size();
                            });
                });
    }

    /** Keeps the agents-by-status gauge current (read by /q/metrics without a query). */
    private Uni<Void> census() {
        return db.query("select status, count(*) as n from agent group by status", Tuple.tuple()).invoke(rows -> {
            Map<String, Long> counts = new HashMap<>();
            rows.forEach(row -> counts.put(row.getString("status"), row.getLong("n")));
            for (AgentStatus status : AgentStatus.values()) {
                metrics.set("helix.agents", "Registered agents by liveness status", "status", status.name(),
                        counts.getOrDefault(status.name(), 0L));
            }
        }).replaceWithVoid();
    }
}

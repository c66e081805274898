package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/**
 * The one transition for a lease that ended without a completion: an explicit fail, an expired lease, an
 * agent that went offline or re-registered, an operator's reassign. A lost attempt that counts returns the
 * step to READY after a backoff while attempts remain, else makes it FAILED and the ritual STALLED; one that
 * does not count (the agent left gracefully, an operator moved the step) makes it READY at once.
 * Locks the ritual before its steps, like every transition, so transitions never deadlock.
 */
@ApplicationScoped
public class LostAttempts {

    public enum Selection {
        /** $6 ritual, $7 step, $8 lease token, $9 agent (null for an operator) */
        LEASE("select ritual_id, number from step where ritual_id = $6 and number = $7 and status = 'LEASED'"
                + " and lease_token = $8 and ($9::uuid is null or agent_id = $9) and lease_expires_at > $1",
                " and s.lease_token = $8", false),
        /** $6 batch size; live rituals only, so leftovers of ended ones (RitualEnding) cannot crowd them out */
        EXPIRED("select s.ritual_id, s.number from step s join ritual r on r.id = s.ritual_id"
                + " where s.status = 'LEASED' and s.lease_expires_at <= $1 and r.status in ('PENDING', 'RUNNING')"
                + " order by s.lease_expires_at limit $6", " and s.lease_expires_at <= $1", true),
        /** $6 agent */
        AGENT("select ritual_id, number from step where agent_id = $6 and status = 'LEASED'",
                " and s.agent_id = $6", false),
        /** $6 batch size: leases still held by agents that are OFFLINE */
        OFFLINE_AGENTS("select s.ritual_id, s.number from step s join agent a on a.id = s.agent_id"
                + " join ritual r on r.id = s.ritual_id"
                + " where s.status = 'LEASED' and a.status = 'OFFLINE' and r.status in ('PENDING', 'RUNNING') limit $6",
                " and s.agent_id in (select id from agent where status = 'OFFLINE')", true),
        /** $6 ritual, $7 step */
        STEP("select ritual_id, number from step where ritual_id = $6 and number = $7 and status = 'LEASED'", "", false);

        final String held;
        final String guard;
        final boolean skipLocked;

        Selection(String held, String guard, boolean skipLocked) {
            this.held = held;
            this.guard = guard;
            this.skipLocked = skipLocked;
        }
    }

    /** What happened to one step; {@code participants} say who may take it again (empty: anyone). */
    public record Lost(UUID ritualId, int step, StepStatus status, int attempt, UUID agentId, Instant readyAt,
                       List<String> participants) {
    }

    private static final Logger LOG = Logger.getLogger(LostAttempts.class);
    private final Map<Selection, String> statements = new EnumMap<>(Selection.class);
    private final Metrics metrics;

    public LostAttempts(Backoff backoff, Metrics metrics) {
        this.metrics = metrics;
        for (Selection selection : Selection.values()) {
            statements.put(selection, statement(selection, backoff.sql()));
        }
    }

    /**
     * @param counts    the attempt is used up (backoff, may exhaust attempts); otherwise it is given back
     * @param retryable false stalls the ritual at once
     * @param tell      record the revocation for the agent's next heartbeat
     */
    public Uni<List<Lost>> apply(SqlClient client, Selection selection, Instant now, String reason,
                                 boolean counts, boolean retryable, boolean tell, Object... args) {
        Tuple tuple = Tuple.of(ts(now), reason, counts, retryable, tell);
        for (Object arg : args) {
            tuple.addValue(arg);
        }
        return client.preparedQuery(statements.get(selection)).execute(tuple).map(rows -> {
            List<Lost> lost = new ArrayList<>(rows.size());
            for (Row row : rows) {
                Lost one = new Lost(row.getUUID("ritual_id"), row.getInteger("number"),
                        StepStatus.valueOf(row.getString("status")), row.getInteger("attempt"), row.getUUID("agent_id"),
                        row.getOffsetDateTime("ready_at").toInstant(), Arrays.asList(row.getArrayOfStrings("participants")));
                lost.add(one);
                Logs.info(LOG, one.ritualId(), one.agentId(), "step %d attempt %d lost (%s): now %s",
                        one.step(), one.attempt(), reason, one.status());
            }
            if (selection == Selection.LEASE) {
                metrics.attemptsFailed(lost.size());
            } else {
                metrics.leasesRevoked(metricReason(selection, reason), lost.size());
            }
            return lost;
        });
    }

    private static String metricReason(Selection selection, String reason) {
        return switch (selection) {
            case EXPIRED -> "timeout";
            case OFFLINE_AGENTS -> "agent_offline";
            case STEP -> "operator";
            default -> reason.contains("re-registered") ? "re_registered"
                    : reason.contains("deregistered") ? "deregistered" : "operator";
        };
    }

    private static String statement(Selection selection, String backoff) {
        return """
                with held as (%s),
                locked as (
                    select r.id, r.status, r.max_attempts, r.steps_total, r.steps_completed, r.participants from ritual r
                    where r.id in (select ritual_id from held) and r.status in ('PENDING', 'RUNNING')
                    for update%s
                ),
                lost as (
                    update step s set
                        status = case when $3 and (not $4 or s.attempt >= l.max_attempts) then 'FAILED' else 'READY' end,
                        ready_at = case when $3 then $1::timestamptz + %s else $1 end,
                        attempt = case when $3 then s.attempt else greatest(s.attempt - 1, 0) end,
                        lease_token = null, lease_expires_at = null, avoid_agent_id = s.agent_id, error = $2
                    from locked l, held h
                    where s.ritual_id = l.id and h.ritual_id = s.ritual_id and h.number = s.number
                      and s.status = 'LEASED'%s
                    returning s.ritual_id, s.number, s.status, s.attempt, s.agent_id, s.agent_name, s.ready_at,
                              l.status as ritual_status,
                              l.steps_total, l.steps_completed, l.participants
                ),
                told as (
                    insert into lease_revocation (agent_id, ritual_id, step, reason, revoked_at)
                    select agent_id, ritual_id, number, $2, $1 from lost where $5
                ),
                stalled as (
                    update ritual r set status = 'STALLED',
                        failure_reason = 'step ' || lost.number || ' failed after ' || lost.attempt || ' attempt(s): ' || $2
                    from lost where r.id = lost.ritual_id and lost.status = 'FAILED'
                ),
                events as (
                    insert into event (type, ritual_id, created_at, payload)
                    select 'ritual_progress', lost.ritual_id, $1, jsonb_build_object(
                        'ritual_id', lost.ritual_id,
                        'status', case when lost.status = 'FAILED' then 'STALLED' else lost.ritual_status end,
                        'step', lost.number, 'step_status', lost.status, 'agent', lost.agent_name,
                        'attempt', lost.attempt, 'steps_completed', lost.steps_completed,
                        'steps_total', lost.steps_total, 'reason', $2::text)
                    from lost
                )
                select ritual_id, number, status, attempt, agent_id, ready_at, participants from lost
                """.formatted(selection.held, selection.skipLocked ? " skip locked" : "", backoff, selection.guard);
    }
}

package org.helix.rituals;

import org.helix.events.EventLog;

import java.util.Map;

import static org.helix.rituals.RitualStatus.LIVE;
import static org.helix.rituals.RitualStatus.RUNNABLE;

/**
 * Every statement that changes a ritual, a step or a lease, for {@link RitualStore}.
 *
 * <p><b>Lock order.</b> A transition locks the ritual row first ({@code for update}, or {@code for update skip locked}
 * where a sweep or a lease may pass a busy ritual by), then that ritual's step rows, then agent rows — and agent
 * rows only with {@code skip locked}, so the hot path never waits for (or deadlocks with) the liveness sweep. A
 * statement follows the order by construction: its step update joins the CTE that locked the ritual, so the
 * ritual lock is taken before any step is touched, and agent CTEs are referenced by nothing, so PostgreSQL runs
 * them last. Two transitions can therefore only ever wait for each other on the ritual row.
 *
 * <p><b>Rows found by key.</b> A status condition on a row the statement finds by its key is written
 * {@code (status ...) is true}, which PostgreSQL does not match to a partial index's predicate. Written plainly, it
 * lets the cached generic plan (platform/PoolSetup.java) scan a whole partial index and filter it by key — every live
 * ritual for {@code ritual_live_deadline}, every leased step for {@code step_lease_expiry} — which it prefers whenever
 * the statistics say those are few, as they do once the tables hold mostly history (KeyLookupPlanTest).
 *
 * <p>Status lists come from the enums ({@link RitualStatus#sql}); the event each statement writes comes from
 * {@link EventLog}'s payload records.
 */
final class RitualSql {

    private RitualSql() {
    }

    private static final String RUNNABLE_SQL = RitualStatus.sql(RUNNABLE);
    private static final String LIVE_SQL = RitualStatus.sql(LIVE);
    /** A lease that ends through no fault of the step gives its attempt back. */
    private static final String GIVE_BACK_ATTEMPT = "greatest(s.attempt - 1, 0)";

    /**
     * $1 id, $2 steps, $3 mantra, $4 participants, $5 priority, $6 step timeout s, $7 max attempts, $8 expected s,
     * $9 created by, $10 now, $11 deadline, $12 input, $13 required capabilities, $14 heartbeat timeout s
     */
    static final String CREATE = """
            with ritual_row as (
                insert into ritual (id, status, steps_total, mantra, participants, priority, step_timeout_seconds,
                                    max_attempts, expected_seconds, created_by, created_at, deadline_at, last_progress_at,
                                    input, required_capabilities, heartbeat_timeout_seconds)
                values ($1, 'PENDING', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $13, $14)
                returning id
            ),
            steps as (
                insert into step (ritual_id, number, status, ready_at, emergency)
                select $1, n, case when n = 1 then 'READY' else 'PENDING' end, case when n = 1 then $10 end,
                       $5 = 'emergency'
                from generate_series(1, $2) n
            ),
            ev as (
                %s
            )
            select id from ritual_row
            """.formatted(new EventLog.Progress("$1::uuid", "'PENDING'", "null", "null", "null", "null", "0", "$2::int",
            "null", Map.of("participants", "to_jsonb($4::text[])", "priority", "$5::text", "deadline_at", "$11::timestamptz"))
            .insert("$10", "ritual_row"));

    /**
     * $1 agent, $2 its epoch, $3 now, $4 at most this many, $5 ms a step that lost an attempt waits for another
     * agent. The oldest READY steps the agent may take (emergencies first; only rituals whose required
     * capabilities it declared), found by {@code lease_walk} (db/migration/V8__lease_walks_ready_steps_in_order.sql),
     * which walks them in that order and stops when it has enough; a lease is also a sign of life. A lease carries
     * the ritual's input and the output step n-1 was completed with.
     */
    static final String LEASE = """
            with me as (
                select id, name, status, capabilities from agent where id = $1 and epoch = $2
            ),
            candidate as (
                select w.ritual_id, w.number, r.mantra, r.steps_total, r.step_timeout_seconds, r.input,
                       r.heartbeat_timeout_seconds
                from me, lease_walk(me.id, me.name, me.capabilities, $3, $4, $5, array[%1$s]) w
                     join ritual r on r.id = w.ritual_id
            ),
            leased as (
                update step s set status = 'LEASED', attempt = s.attempt + 1, agent_id = me.id, agent_name = me.name,
                    lease_token = gen_random_uuid(), leased_at = $3,
                    lease_expires_at = $3::timestamptz + c.step_timeout_seconds * interval '1 second', reserved_for = null,
                    heartbeat_due_at = %3$s, progress = null
                from candidate c, me
                where s.ritual_id = c.ritual_id and s.number = c.number and (s.status = 'READY') is true
                returning s.ritual_id, s.number, s.attempt, s.lease_token, s.lease_expires_at, c.mantra, c.steps_total,
                          s.ready_at, c.input, c.heartbeat_timeout_seconds,
                          (select p.output -> 'output' from step p where p.ritual_id = s.ritual_id
                           and p.number = s.number - 1 and (p.status = 'COMPLETED') is true) as previous_output
            ),
            started as (
                update ritual r set status = 'RUNNING', started_at = $3
                from leased where r.id = leased.ritual_id and (r.status = 'PENDING') is true
            ),
            %2$s
            select * from leased
            """.formatted(RUNNABLE_SQL, touchAgent("(select id from me)", "$3", "'lease'"),
            heartbeatDue("$3", "c.heartbeat_timeout_seconds"));

    /**
     * $1 now, then one array per column of the completions, one completion per ritual: $2 ritual, $3 step, $4 lease
     * token, $5 agent (null: an admin speaks for it), $6 output, $7 eager. Completes each step and, in the same
     * statement, makes its step n+1 READY — or, with eager dispatch, LEASED to the completing agent: an agent that may
     * take step n may take step n+1, and continuing the chain it holds saves every other round trip. Many
     * completions share one statement and one commit (group commit, {@link RitualStore}); each is guarded on its
     * own row, and the rituals are locked in id order, so two such statements cannot deadlock. Step n+1 is found by
     * its whole primary key, carried out of {@code done} with what it needs of the ritual: joined to the ritual instead,
     * the cached plan read every PENDING step of each ritual in the batch and filtered them (about 85 rows per
     * completion; bench/statement-cost).
     */
    static final String COMPLETE = """
            with i as (
                select * from unnest($2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::jsonb[], $7::bool[])
                    as i(ritual_id, number, token, agent_id, output, eager)
            ),
            r as (
                select id, mantra, steps_total, step_timeout_seconds, input, heartbeat_timeout_seconds from ritual
                where id = any ($2::uuid[]) and (status in (%1$s)) is true order by id for update
            ),
            done as (
                update step s set status = 'COMPLETED', completed_at = $1, output = i.output, error = null, progress = null,
                    heartbeat_due_at = null
                from r join i on i.ritual_id = r.id
                where s.ritual_id = i.ritual_id and s.number = i.number and (s.status = 'LEASED') is true
                  and s.lease_token = i.token
                  and (i.agent_id is null or s.agent_id = i.agent_id) and s.lease_expires_at > $1
                  and (s.heartbeat_due_at is null or s.heartbeat_due_at > $1)
                returning s.ritual_id, s.number, s.number + 1 as next_number, s.attempt, s.leased_at, s.agent_id,
                          s.agent_name, i.eager, i.output -> 'output' as previous_output, r.step_timeout_seconds,
                          r.heartbeat_timeout_seconds
            ),
            nxt as (
                update step s set status = case when done.eager then 'LEASED' else 'READY' end, ready_at = $1,
                    attempt = case when done.eager then s.attempt + 1 else s.attempt end,
                    agent_id = case when done.eager then done.agent_id end,
                    agent_name = case when done.eager then done.agent_name end,
                    lease_token = case when done.eager then gen_random_uuid() end,
                    leased_at = case when done.eager then $1 end,
                    lease_expires_at = case when done.eager then $1::timestamptz + done.step_timeout_seconds * interval '1 second' end,
                    heartbeat_due_at = case when done.eager then %3$s end
                from done
                where s.ritual_id = done.ritual_id and s.number = done.next_number and (s.status = 'PENDING') is true
                returning s.ritual_id, s.number, s.attempt, s.lease_token, s.lease_expires_at
            ),
            upd as (
                update ritual t set steps_completed = t.steps_completed + 1,
                    current_step = least(done.number + 1, t.steps_total), last_progress_at = $1, status = 'RUNNING',
                    started_at = coalesce(t.started_at, done.leased_at)
                from done where t.id = done.ritual_id
                returning t.id, t.steps_completed, t.steps_total, t.participants
            ),
            touch as (
                update agent set last_seen_at = $1
                where id in (select a.id from agent a where a.id in (select agent_id from done)
                             and a.last_seen_at < $1::timestamptz - interval '1 second' for update of a skip locked)
            ),
            ev as (
                %2$s
            )
            select done.ritual_id, done.number, upd.steps_completed, upd.steps_total, upd.participants, r.mantra,
                   nxt.number as next_number, nxt.attempt as next_attempt, nxt.lease_token as next_token,
                   nxt.lease_expires_at as next_expires, r.input, r.heartbeat_timeout_seconds, done.previous_output
            from done join upd on upd.id = done.ritual_id join r on r.id = done.ritual_id
                 left join nxt on nxt.ritual_id = done.ritual_id
            """.formatted(RUNNABLE_SQL, new EventLog.Progress("upd.id", "'RUNNING'", "done.number", "'COMPLETED'",
            "done.agent_name", "done.attempt", "upd.steps_completed", "upd.steps_total", "null")
            .insert("$1", "upd join done on done.ritual_id = upd.id"),
            heartbeatDue("$1", "done.heartbeat_timeout_seconds"));

    /**
     * $1 ritual, $2 step, $3 lease token, $4 agent (null: an admin speaks for it), $5 now, $6 progress (null: keep).
     * A step heartbeat: the lease is still the agent's, so its work goes on; the next heartbeat is due a heartbeat
     * timeout from now. Also a sign of life for the agent.
     */
    static final String HEARTBEAT = """
            with r as (
                select id, heartbeat_timeout_seconds from ritual where id = $1 and (status in (%1$s)) is true for update
            ),
            beat as (
                update step s set heartbeat_due_at = %2$s, progress = coalesce($6, s.progress)
                from r
                where s.ritual_id = r.id and s.number = $2 and (s.status = 'LEASED') is true and s.lease_token = $3
                  and ($4::uuid is null or s.agent_id = $4) and s.lease_expires_at > $5
                  and (s.heartbeat_due_at is null or s.heartbeat_due_at > $5)
                returning s.lease_expires_at, s.heartbeat_due_at, s.agent_id
            ),
            %3$s
            select lease_expires_at, heartbeat_due_at from beat
            """.formatted(RUNNABLE_SQL, heartbeatDue("$5", "r.heartbeat_timeout_seconds"),
            touchAgent("(select agent_id from beat)", "$5", "'step heartbeat'"));

    /** $1 ritual. Locks a ritual whose every step is done and which no one has finished yet. */
    static final String FINISHABLE = """
            select steps_total, steps_completed, created_at from ritual
            where id = $1 and (status in (%s)) is true
              and not exists (select 1 from step where ritual_id = $1 and status not in (%s))
            for update""".formatted(RUNNABLE_SQL, RitualStatus.sql(StepStatus.DONE));

    /** $1 ritual, $2 now, $3 ucf before, $4 ucf after, $5 the ritual_completion payload */
    static final String FINISH = """
            with upd as (
                update ritual set status = 'COMPLETED', finished_at = $2, ucf_before = $3, ucf_after = $4,
                    current_step = steps_total, last_progress_at = $2
                where id = $1 returning id
            )
            %s""".formatted(EventLog.insertPayload("'ritual_completion'", "upd.id", "$2", "$5", "upd"));

    /**
     * The leases a {@link RitualStore.Loss} selects, with what the policy needs, their rituals locked. The
     * selection's condition uses parameters from $1.
     */
    static String held(String condition, String order, boolean skipLocked) {
        return """
                select s.ritual_id, s.number, s.attempt, s.lease_token, s.lease_expires_at, s.heartbeat_due_at,
                       s.agent_id, s.agent_name, r.max_attempts, r.participants
                from step s join ritual r on r.id = s.ritual_id
                where s.status = 'LEASED' and (r.status in (%s)) is true and %s
                %s
                for update of r%s""".formatted(RUNNABLE_SQL, condition, order, skipLocked ? " skip locked" : "");
    }

    /**
     * $1 now, then one array per column of the decided losses: $2 ritual, $3 step, $4 lease token, $5 new status,
     * $6 ready at, $7 attempt, $8 reason, $9 tell the agent, $10 the attempt lost. Guarded by the token read under
     * the ritual lock.
     */
    static final String LOSE = """
            with decided as (
                select * from unnest($2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::timestamptz[], $7::int[],
                                     $8::text[], $9::bool[], $10::int[])
                    as d(ritual_id, number, token, status, ready_at, attempt, reason, tell, lost_attempt)
            ),
            lost as (
                update step s set status = d.status, ready_at = d.ready_at, attempt = d.attempt, lease_token = null,
                    lease_expires_at = null, avoid_agent_id = s.agent_id, error = d.reason, progress = null,
                    heartbeat_due_at = null
                from decided d
                where s.ritual_id = d.ritual_id and s.number = d.number and (s.status = 'LEASED') is true
                  and s.lease_token = d.token
                returning s.ritual_id, s.number, s.status, s.attempt, s.agent_id, s.agent_name, s.ready_at, d.reason,
                          d.tell, d.lost_attempt
            ),
            told as (
                insert into lease_revocation (agent_id, ritual_id, step, attempt, reason, revoked_at)
                select agent_id, ritual_id, number, lost_attempt, reason, $1 from lost where tell
            ),
            stalled as (
                update ritual r set status = 'STALLED',
                    failure_reason = 'step ' || lost.number || ' failed after ' || lost.attempt || ' attempt(s): ' || lost.reason
                from lost where r.id = lost.ritual_id and lost.status = 'FAILED'
            ),
            events as (
                %s
            )
            select ritual_id, number, status, attempt, agent_id, ready_at from lost
            """.formatted(new EventLog.Progress("lost.ritual_id",
            "case when lost.status = 'FAILED' then 'STALLED' else r.status end", "lost.number", "lost.status",
            "lost.agent_name", "lost.attempt", "r.steps_completed", "r.steps_total", "lost.reason")
            .insert("$1", "lost join ritual r on r.id = lost.ritual_id"));

    /** Ends one live ritual: $5 the ritual. */
    static final String END_ONE = end("id = $5 and (status in (" + LIVE_SQL + ")) is true", false);
    /** Ends the live rituals past their deadline: $5 at most this many. */
    static final String END_PAST_DEADLINE = end("status in (" + LIVE_SQL + ") and deadline_at <= $1 order by deadline_at limit $5", true);

    /**
     * $1 now, $2 reason, $3 the final status, $4 the event type, then the selection's parameter. Live leases are
     * revoked in the same statement (their agents learn it at the next heartbeat; a later completion is refused);
     * the leased step returns to READY so that a resume can carry on from it.
     */
    private static String end(String selection, boolean skipLocked) {
        return """
                with target as (
                    select id, status from ritual where %s for update%s
                ),
                revoked as (
                    update step s set status = 'READY', ready_at = $1, lease_token = null, lease_expires_at = null,
                        attempt = %s, error = $2, progress = null, heartbeat_due_at = null
                    from target where s.ritual_id = target.id and s.status = 'LEASED'
                    returning s.ritual_id, s.number, s.agent_id, s.attempt + 1 as lost_attempt
                ),
                told as (
                    insert into lease_revocation (agent_id, ritual_id, step, attempt, reason, revoked_at)
                    select agent_id, ritual_id, number, lost_attempt, $2, $1 from revoked
                ),
                ended as (
                    update ritual r set status = $3, finished_at = $1, failure_reason = $2
                    from target where r.id = target.id
                    returning r.id, target.status as previous, r.steps_completed, r.steps_total, r.created_at
                ),
                events as (
                    %s
                )
                select id, previous, (select count(*) from revoked where revoked.ritual_id = ended.id)::int as revoked
                from ended
                """.formatted(selection, skipLocked ? " skip locked" : "", GIVE_BACK_ATTEMPT,
                new EventLog.Ended("$4", "ended.id", "$3::text", "ended.previous", "$2::text", "ended.steps_completed",
                        "ended.steps_total", "round(extract(epoch from $1::timestamptz - ended.created_at)::numeric, 3)")
                        .insert("$1", "ended"));
    }

    /**
     * $1 now, $2 at most this many. A lease committed while its ritual was ending escapes the ending's statement (it
     * was still READY in that statement's snapshot); it is handed back here, as the ending would have.
     */
    static final String RELEASE = """
            with leftover as (
                select s.ritual_id, s.number from step s join ritual r on r.id = s.ritual_id
                where s.status = 'LEASED' and r.status not in (%s)
                limit $2 for update of r skip locked
            ),
            released as (
                update step s set status = 'READY', ready_at = $1, lease_token = null, lease_expires_at = null,
                    attempt = %s, progress = null, heartbeat_due_at = null
                from leftover where s.ritual_id = leftover.ritual_id and s.number = leftover.number
                  and (s.status = 'LEASED') is true
                returning s.ritual_id, s.number, s.agent_id, s.attempt + 1 as lost_attempt
            ),
            told as (
                insert into lease_revocation (agent_id, ritual_id, step, attempt, reason, revoked_at)
                select agent_id, ritual_id, number, lost_attempt, 'ritual ended', $1 from released
            )
            select ritual_id, number, agent_id from released""".formatted(LIVE_SQL, GIVE_BACK_ATTEMPT);

    /** $1 ritual, $2 step (null: the current one). The ritual locked for an operator's repair, with the step. */
    static final String SNAPSHOT = """
            select r.status, r.current_step, r.steps_total, r.participants, r.required_capabilities, s.number,
                   s.status as step_status,
                   s.attempt, s.agent_name, s.reserved_for, s.ready_at, s.error
            from ritual r left join step s on s.ritual_id = r.id and s.number = coalesce($2, r.current_step)
            where r.id = $1 for update of r""";

    /** $1 ritual, $2 step, $3 now, $4 reserved for (null: anyone), $5 reason. The step offered again now. */
    static final String OFFER = """
            with offered as (
                update step set status = 'READY', ready_at = $3, avoid_agent_id = null, reserved_for = $4,
                    lease_token = null, lease_expires_at = null, progress = null, heartbeat_due_at = null
                where ritual_id = $1 and number = $2
            ),
            upd as (
                update ritual set status = 'RUNNING', failure_reason = null where id = $1
                returning id, steps_completed, steps_total
            ),
            ev as (
                %s
            )
            select 1""".formatted(new EventLog.Progress("upd.id", "'RUNNING'", "$2::int", "'READY'", "null", "null",
            "upd.steps_completed", "upd.steps_total", "$5::text").insert("$3", "upd"));

    /** $1 ritual, $2 step, $3 now. The step SKIPPED, the next one READY, the ritual RUNNING again. */
    static final String SKIP = """
            with skipped as (
                update step set status = 'SKIPPED', lease_token = null, lease_expires_at = null,
                    reserved_for = null, error = coalesce(error, 'skipped by an operator'), progress = null,
                    heartbeat_due_at = null
                where ritual_id = $1 and number = $2 returning number
            ),
            nxt as (
                update step set status = 'READY', ready_at = $3, attempt = 0
                where ritual_id = $1 and number = $2 + 1 and (status = 'PENDING') is true
            ),
            upd as (
                update ritual set steps_skipped = steps_skipped + 1,
                    current_step = least($2 + 1, steps_total), status = 'RUNNING',
                    failure_reason = null, last_progress_at = $3
                where id = $1 returning id, steps_completed, steps_total
            ),
            ev as (
                %s
            )
            select 1""".formatted(new EventLog.Progress("upd.id", "'RUNNING'", "$2::int", "'SKIPPED'", "null", "null",
            "upd.steps_completed", "upd.steps_total", "'skipped by an operator'").insert("$3", "upd"));

    /** $1 ritual, $2 from step, $3 now, $4 new deadline. Steps from $2 on run again; those before are kept. */
    static final String RESUME = """
            with reset as (
                update step set status = case when number = $2 then 'READY' else 'PENDING' end,
                    ready_at = case when number = $2 then $3::timestamptz end, attempt = 0, agent_id = null,
                    agent_name = null, lease_token = null, leased_at = null, lease_expires_at = null, completed_at = null,
                    error = null, output = null, avoid_agent_id = null, reserved_for = null, progress = null,
                    heartbeat_due_at = null
                where ritual_id = $1 and number >= $2
            ),
            kept as (
                select count(*) filter (where status = 'COMPLETED') as completed,
                       count(*) filter (where status = 'SKIPPED') as skipped
                from step where ritual_id = $1 and number < $2
            ),
            upd as (
                update ritual set status = 'RUNNING', deadline_at = $4, finished_at = null, failure_reason = null,
                    current_step = $2, steps_completed = kept.completed, steps_skipped = kept.skipped,
                    last_progress_at = $3
                from kept where id = $1 returning id, steps_completed, steps_total
            ),
            ev as (
                %s
            )
            select 1""".formatted(new EventLog.Progress("upd.id", "'RUNNING'", "$2::int", "'READY'", "null", "null",
            "upd.steps_completed", "upd.steps_total", "'resumed by an operator'", Map.of("deadline_at", "$4::timestamptz"))
            .insert("$3", "upd"));

    /** When a lease taken (or heartbeated) at {@code at} must next be heartbeated; null when the ritual asks for none. */
    private static String heartbeatDue(String at, String timeoutSeconds) {
        return "case when " + timeoutSeconds + " is null then null else " + at + "::timestamptz + " + timeoutSeconds
                + " * interval '1 second' end";
    }

    /**
     * A sign of life from {@code agentId} at {@code at}, at most once a second, skipped rather than waited for if the
     * liveness sweep holds the row; an agent that was not ONLINE is announced back.
     */
    static String touchAgent(String agentId, String at, String reason) {
        return """
                touch as (
                    update agent a set last_seen_at = %2$s, status = 'ONLINE',
                        status_changed_at = case when a.status <> 'ONLINE' then %2$s else a.status_changed_at end
                    from (select id, name, status from agent where id = %1$s
                          and (status <> 'ONLINE' or last_seen_at < %2$s::timestamptz - interval '1 second')
                          for update skip locked) before
                    where a.id = before.id
                    returning a.id, a.name, a.workload, before.status as previous
                ),
                revived as (
                    %3$s
                )""".formatted(agentId, at, new EventLog.AgentChange("touch.id", "touch.name", "touch.previous", "'ONLINE'",
                "touch.workload", reason, null).insert(at, "touch where touch.previous <> 'ONLINE'"));
    }
}

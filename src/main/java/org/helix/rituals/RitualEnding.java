package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventType;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/**
 * Ends live rituals without a UCF effect: cancel (CANCELLED), the global deadline (TIMED_OUT) and an
 * operator's terminate (FAILED). Live leases are revoked in the same statement (their agents learn it at the
 * next heartbeat; a later completion is refused), the leased step returns to READY so that a resume can
 * carry on from it, and the event is written alongside.
 */
@ApplicationScoped
public class RitualEnding {

    public enum Selection {
        /** $5 ritual */
        ONE("id = $5 and status in ('PENDING', 'RUNNING', 'STALLED')", false),
        /** $5 batch size */
        PAST_DEADLINE("status in ('PENDING', 'RUNNING', 'STALLED') and deadline_at <= $1 order by deadline_at limit $5", true);

        final String where;
        final boolean skipLocked;

        Selection(String where, boolean skipLocked) {
            this.where = where;
            this.skipLocked = skipLocked;
        }
    }

    public record Ended(UUID ritualId, RitualStatus previous) {
    }

    private static final Logger LOG = Logger.getLogger(RitualEnding.class);
    private final Map<Selection, String> statements = new EnumMap<>(Selection.class);
    private final Metrics metrics;

    public RitualEnding(Metrics metrics) {
        this.metrics = metrics;
        for (Selection selection : Selection.values()) {
            statements.put(selection, statement(selection));
        }
    }

    public Uni<List<Ended>> end(SqlClient client, Selection selection, Object arg, RitualStatus to, EventType event,
                                String reason, Instant now) {
        return client.preparedQuery(statements.get(selection))
                .execute(Tuple.of(ts(now), reason, to.name(), event.wire(), arg))
                .map(rows -> {
                    List<Ended> ended = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        ended.add(new Ended(row.getUUID("id"), RitualStatus.valueOf(row.getString("previous"))));
                        metrics.leasesRevoked("ritual_ended", row.getInteger("revoked"));
                        Logs.info(LOG, row.getUUID("id"), null, "ritual %s: %s", to, reason);
                    }
                    metrics.ritualsFinished(to.name(), ended.size());
                    return ended;
                });
    }

    /**
     * A lease committed while its ritual was ending escapes the ending's statement (it was still READY in that
     * statement's snapshot). Such leftovers are released here, at the next sweep, as the ending would have.
     */
    public Uni<Integer> releaseLeftovers(SqlClient client, Instant now, int batch) {
        return client.preparedQuery("""
                        with leftover as (
                            select s.ritual_id, s.number from step s join ritual r on r.id = s.ritual_id
                            where s.status = 'LEASED' and r.status not in ('PENDING', 'RUNNING', 'STALLED')
                            limit $2 for update of s skip locked
                        ),
                        released as (
                            update step s set status = 'READY', ready_at = $1, lease_token = null, lease_expires_at = null,
                                attempt = greatest(s.attempt - 1, 0)
                            from leftover where s.ritual_id = leftover.ritual_id and s.number = leftover.number
                            returning s.ritual_id, s.number, s.agent_id
                        ),
                        told as (
                            insert into lease_revocation (agent_id, ritual_id, step, reason, revoked_at)
                            select agent_id, ritual_id, number, 'ritual ended', $1 from released
                        )
                        select count(*)::int as released from released""")
                .execute(Tuple.of(ts(now), batch))
                .map(rows -> {
                    int released = rows.iterator().next().getInteger("released");
                    metrics.leasesRevoked("ritual_ended", released);
                    return released;
                });
    }

    private static String statement(Selection selection) {
        return """
                with target as (
                    select id, status from ritual where %s for update%s
                ),
                revoked as (
                    update step s set status = 'READY', ready_at = $1, lease_token = null, lease_expires_at = null,
                        attempt = greatest(s.attempt - 1, 0), error = $2
                    from target where s.ritual_id = target.id and s.status = 'LEASED'
                    returning s.ritual_id, s.number, s.agent_id
                ),
                told as (
                    insert into lease_revocation (agent_id, ritual_id, step, reason, revoked_at)
                    select agent_id, ritual_id, number, $2, $1 from revoked
                ),
                ended as (
                    update ritual r set status = $3, finished_at = $1, failure_reason = $2
                    from target where r.id = target.id
                    returning r.id, target.status as previous, r.steps_completed, r.steps_total, r.created_at
                ),
                events as (
                    insert into event (type, ritual_id, created_at, payload)
                    select $4, ended.id, $1, jsonb_build_object(
                        'ritual_id', ended.id, 'status', $3::text, 'previous_status', ended.previous,
                        'reason', $2::text, 'steps_completed', ended.steps_completed, 'steps_total', ended.steps_total,
                        'duration_seconds', round(extract(epoch from $1::timestamptz - ended.created_at)::numeric, 3))
                    from ended
                )
                select id, previous, (select count(*) from revoked where revoked.ritual_id = ended.id)::int as revoked
                from ended
                """.formatted(selection.where, selection.skipLocked ? " skip locked" : "");
    }
}

package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.events.EventLog;
import org.helix.events.EventType;
import org.helix.platform.Logs;
import org.helix.platform.Metrics;
import org.helix.ucf.UcfService;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/**
 * Marks a ritual whose last step is done COMPLETED and applies its UCF effect in the same transaction. The
 * status guard makes it exactly once: whoever finishes second (a racing completion, a replayed recovery)
 * finds the ritual no longer live and changes nothing.
 */
@ApplicationScoped
public class RitualFinisher {

    private static final Logger LOG = Logger.getLogger(RitualFinisher.class);

    private final UcfService ucf;
    private final EventLog events;
    private final Metrics metrics;

    public RitualFinisher(UcfService ucf, EventLog events, Metrics metrics) {
        this.ucf = ucf;
        this.events = events;
        this.metrics = metrics;
    }

    /** @return true if this call completed the ritual */
    public Uni<Boolean> finish(SqlClient tx, UUID ritualId, Instant now) {
        return tx.preparedQuery("""
                        select steps_total, steps_completed, created_at from ritual
                        where id = $1 and status in ('PENDING', 'RUNNING')
                          and not exists (select 1 from step where ritual_id = $1 and status not in ('COMPLETED', 'SKIPPED'))
                        for update""")
                .execute(Tuple.of(ritualId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    Row row = rows.iterator().next();
                    int completed = row.getInteger("steps_completed");
                    int total = row.getInteger("steps_total");
                    double duration = Duration.between(row.getOffsetDateTime("created_at").toInstant(), now).toMillis() / 1000.0;
                    return ucf.applyRitual(tx, ritualId, completed, now).flatMap(change -> {
                        JsonObject before = change.before().toJson();
                        JsonObject after = change.after().toJson();
                        return tx.preparedQuery("""
                                        update ritual set status = 'COMPLETED', finished_at = $2, ucf_before = $3,
                                            ucf_after = $4, current_step = steps_total, last_progress_at = $2
                                        where id = $1""")
                                .execute(Tuple.of(ritualId, ts(now), before, after))
                                .flatMap(ignored -> events.append(tx, EventType.RITUAL_COMPLETION, ritualId, now,
                                        new JsonObject().put("ritual_id", ritualId.toString()).put("status", "COMPLETED")
                                                .put("steps", total).put("steps_completed", completed)
                                                .put("duration_seconds", duration)
                                                .put("ucf_before", before).put("ucf_after", after)))
                                .invoke(() -> {
                                    metrics.ritualsFinished("COMPLETED", 1);
                                    Logs.info(LOG, ritualId, null,
                                            "ritual completed in %.3f s: harmony %.4f -> %.4f", duration,
                                            change.before().harmony(), change.after().harmony());
                                })
                                .replaceWith(true);
                    });
                });
    }
}

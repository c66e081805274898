package org.helix.rituals;

import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The ritual and step tables as records: every ritual or step row the service reads is mapped here, and only here.
 *
 * <p>There is no ORM. Every change is a hand-written guarded statement ({@link RitualSql}), so entities would be a
 * second mapping of the same tables serving a handful of reads — and one nothing checks: Hibernate Reactive's
 * schema validator reads PostgreSQL's types as unknown and cannot validate this schema, so its entities ran with
 * validation off. Records mapped from the reactive client's rows are one model, exercised by every test.
 */
final class RitualRows {

    private RitualRows() {
    }

    /** A ritual row. */
    record RitualRow(UUID id, RitualStatus status, int stepsTotal, int stepsCompleted, int stepsSkipped, int currentStep,
                     String mantra, List<String> participants, String priority, int stepTimeoutSeconds, int maxAttempts,
                     Integer expectedSeconds, String createdBy, OffsetDateTime createdAt, OffsetDateTime startedAt,
                     OffsetDateTime finishedAt, OffsetDateTime deadlineAt, OffsetDateTime lastProgressAt,
                     Map<String, Object> ucfBefore, Map<String, Object> ucfAfter, String failureReason) {
    }

    /** A step row (its lease included). */
    record StepRow(UUID ritualId, int number, StepStatus status, int attempt, OffsetDateTime readyAt, UUID agentId,
                   String agentName, UUID leaseToken, OffsetDateTime leasedAt, OffsetDateTime leaseExpiresAt, OffsetDateTime completedAt,
                   String error, Map<String, Object> output, UUID avoidAgentId, UUID reservedFor) {
    }

    static RitualRow ritual(Row row) {
        return new RitualRow(row.getUUID("id"), RitualStatus.valueOf(row.getString("status")),
                row.getInteger("steps_total"), row.getInteger("steps_completed"), row.getInteger("steps_skipped"),
                row.getInteger("current_step"), row.getString("mantra"), strings(row, "participants"),
                row.getString("priority"), row.getInteger("step_timeout_seconds"), row.getInteger("max_attempts"),
                row.getInteger("expected_seconds"), row.getString("created_by"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("started_at"), row.getOffsetDateTime("finished_at"),
                row.getOffsetDateTime("deadline_at"), row.getOffsetDateTime("last_progress_at"),
                map(row, "ucf_before"), map(row, "ucf_after"), row.getString("failure_reason"));
    }

    static StepRow step(Row row) {
        return step(row, "status");
    }

    /** A step row read beside another table's columns, with its status under {@code statusColumn}. */
    static StepRow step(Row row, String statusColumn) {
        return new StepRow(row.getUUID("ritual_id"), row.getInteger("number"), StepStatus.valueOf(row.getString(statusColumn)),
                row.getInteger("attempt"), row.getOffsetDateTime("ready_at"), row.getUUID("agent_id"),
                row.getString("agent_name"), row.getUUID("lease_token"), row.getOffsetDateTime("leased_at"), row.getOffsetDateTime("lease_expires_at"),
                row.getOffsetDateTime("completed_at"), row.getString("error"), map(row, "output"),
                row.getUUID("avoid_agent_id"), row.getUUID("reserved_for"));
    }

    /** A lease as the lease and completion statements return it. */
    static LeaseGrant grant(Row row) {
        return new LeaseGrant(row.getUUID("ritual_id"), row.getInteger("number"), row.getInteger("attempt"),
                row.getUUID("lease_token"), row.getOffsetDateTime("lease_expires_at"), row.getString("mantra"),
                row.getInteger("steps_total"));
    }

    static List<String> strings(Row row, String column) {
        return Arrays.asList(row.getArrayOfStrings(column));
    }

    private static Map<String, Object> map(Row row, String column) {
        JsonObject json = row.getJsonObject(column);
        return json == null ? null : json.getMap();
    }
}

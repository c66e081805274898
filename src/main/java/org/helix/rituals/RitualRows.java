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
                     Map<String, Object> ucfBefore, Map<String, Object> ucfAfter, String failureReason,
                     Map<String, Object> input, List<String> requiredCapabilities, Integer heartbeatTimeoutSeconds) {
    }

    /** A step row (its lease included). */
    record StepRow(UUID ritualId, int number, StepStatus status, int attempt, OffsetDateTime readyAt, UUID agentId,
                   String agentName, UUID leaseToken, OffsetDateTime leasedAt, OffsetDateTime leaseExpiresAt, OffsetDateTime completedAt,
                   String error, Map<String, Object> output, UUID avoidAgentId, UUID reservedFor,
                   Map<String, Object> progress, OffsetDateTime heartbeatDueAt) {
    }

    static RitualRow ritual(Row row) {
        return new RitualRow(row.getUUID("id"), RitualStatus.valueOf(row.getString("status")),
                row.getInteger("steps_total"), row.getInteger("steps_completed"), row.getInteger("steps_skipped"),
                row.getInteger("current_step"), row.getString("mantra"), strings(row, "participants"),
                row.getString("priority"), row.getInteger("step_timeout_seconds"), row.getInteger("max_attempts"),
                row.getInteger("expected_seconds"), row.getString("created_by"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("started_at"), row.getOffsetDateTime("finished_at"),
                row.getOffsetDateTime("deadline_at"), row.getOffsetDateTime("last_progress_at"),
                map(row, "ucf_before"), map(row, "ucf_after"), row.getString("failure_reason"), map(row, "input"),
                strings(row, "required_capabilities"), row.getInteger("heartbeat_timeout_seconds"));
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
                row.getUUID("avoid_agent_id"), row.getUUID("reserved_for"), map(row, "progress"),
                row.getOffsetDateTime("heartbeat_due_at"));
    }

    /** A lease as the lease statement returns it. */
    static LeaseGrant grant(Row row) {
        return new LeaseGrant(row.getUUID("ritual_id"), row.getInteger("number"), row.getInteger("attempt"),
                row.getUUID("lease_token"), row.getOffsetDateTime("lease_expires_at"), row.getString("mantra"),
                row.getInteger("steps_total"), map(row, "input"), map(row, "previous_output"),
                row.getInteger("heartbeat_timeout_seconds"));
    }

    /** The next step's lease as the completion statement returns it (eager dispatch); null when there is none. */
    static LeaseGrant nextGrant(java.util.UUID ritualId, Row row) {
        if (row.getInteger("next_number") == null || row.getUUID("next_token") == null) {
            return null;
        }
        return new LeaseGrant(ritualId, row.getInteger("next_number"), row.getInteger("next_attempt"),
                row.getUUID("next_token"), row.getOffsetDateTime("next_expires"), row.getString("mantra"),
                row.getInteger("steps_total"), map(row, "input"), map(row, "previous_output"),
                row.getInteger("heartbeat_timeout_seconds"));
    }

    static List<String> strings(Row row, String column) {
        return Arrays.asList(row.getArrayOfStrings(column));
    }

    private static Map<String, Object> map(Row row, String column) {
        Object value = row.getValue(column);
        return value instanceof JsonObject json ? json.getMap() : null;
    }
}

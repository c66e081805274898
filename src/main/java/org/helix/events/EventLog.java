package org.helix.events;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.helix.platform.Time.ts;

/**
 * The one writer of the event log. An event is written in the same transaction as the change it reports, so it
 * exists exactly when the change does. Transitions that are one SQL statement write their event inside that
 * statement: the records below ({@link Progress}, {@link Ended}, {@link AgentChange}) name every field of
 * their payload once and turn SQL expressions over the statement's rows into the INSERT. Events built in Java
 * are the {@link Payload} records further down, appended with {@link #append}.
 */
@ApplicationScoped
public class EventLog {

    private final EventHub hub;

    public EventLog(EventHub hub) {
        this.hub = hub;
    }

    /** Appends an event built in Java inside the caller's transaction. */
    public Uni<Void> append(SqlClient tx, UUID ritualId, Instant at, Payload payload) {
        return tx.preparedQuery("insert into event (type, ritual_id, created_at, payload) values ($1, $2, $3, $4)")
                .execute(Tuple.of(payload.type().wire(), ritualId, ts(at), payload.json()))
                .replaceWithVoid();
    }

    /** An event payload built in Java. */
    public sealed interface Payload permits Completion, Alert, UcfUpdate {
        EventType type();

        JsonObject json();
    }

    /**
     * {@code ritual_completion}: the ritual completed and moved the UCF. The Helix Hub's shape is
     * {@code ritual {steps, duration_seconds}, ucf_before, ucf_after}; {@code ritual_id}, {@code status} and
     * {@code steps_completed} are the service's own, as on every ritual event.
     */
    public record Completion(UUID ritualId, int steps, int stepsCompleted, double durationSeconds, JsonObject ucfBefore,
                             JsonObject ucfAfter) implements Payload {
        public EventType type() {
            return EventType.RITUAL_COMPLETION;
        }

        public JsonObject json() {
            return new JsonObject()
                    .put("ritual", new JsonObject().put("id", ritualId.toString()).put("steps", steps)
                            .put("steps_completed", stepsCompleted).put("duration_seconds", durationSeconds))
                    .put("ucf_before", ucfBefore).put("ucf_after", ucfAfter)
                    .put("ritual_id", ritualId.toString()).put("status", "COMPLETED").put("steps_completed", stepsCompleted);
        }
    }

    /**
     * {@code alert}: a UCF metric crossed its alert threshold ({@code breached}) or came back ({@code recovered}), in
     * the Helix Hub's shape ({@code severity, message, recommended_action}) with the metric and its value beside it.
     */
    public record Alert(String metric, double value, boolean breached, UUID ritualId) implements Payload {
        public EventType type() {
            return EventType.ALERT;
        }

        public JsonObject json() {
            return new JsonObject().put("severity", severity()).put("message", message())
                    .put("recommended_action", recommendedAction())
                    .put("metric", metric).put("value", value).put("state", breached ? "breached" : "recovered")
                    .put("ritual_id", ritualId == null ? null : ritualId.toString());
        }

        /** Harmony below its floor is the field failing; klesha and resilience past theirs are on the way there. */
        String severity() {
            return !breached ? "info" : metric.equals("harmony") ? "critical" : "warning";
        }

        String message() {
            return breached ? String.format(java.util.Locale.ROOT, "%s at %.2f crossed its alert threshold", metric, value)
                    : String.format(java.util.Locale.ROOT, "%s at %.2f is back within its threshold", metric, value);
        }

        String recommendedAction() {
            if (!breached) {
                return "none";
            }
            return switch (metric) {
                case "harmony" -> "complete full 108-step rituals: each raises harmony by a tenth to a fifth of its headroom";
                case "klesha" -> "complete full 108-step rituals: each removes a fifth of the klesha";
                case "resilience" -> "complete rituals and look for agents whose attempts keep failing (GET /admin/rituals/stuck)";
                default -> "see the UCF documentation for " + metric;
            };
        }
    }

    /**
     * {@code ucf_update}: the field as it stands, sent periodically while anyone listens; the Helix Hub's shape,
     * {@code ucf {six metrics}, phase}, and when the field last changed.
     */
    public record UcfUpdate(Map<String, Double> ucf, String phase, Instant updatedAt) implements Payload {
        public EventType type() {
            return EventType.UCF_UPDATE;
        }

        public JsonObject json() {
            return new JsonObject().put("ucf", new JsonObject(new LinkedHashMap<>(ucf))).put("phase", phase)
                    .put("updated_at", ts(updatedAt).toString());
        }
    }

    /** Call after a transaction that appended events has committed: streams pick them up at once. */
    public void committed() {
        hub.poke();
    }

    /**
     * {@code ritual_progress}: a ritual was created, or one of its steps changed (completed, lost, skipped, offered
     * again). Each component is an SQL expression over the writing statement's rows; "null" where it does not apply.
     */
    public record Progress(String ritualId, String status, String step, String stepStatus, String agent,
                           String attempt, String stepsCompleted, String stepsTotal, String reason,
                           Map<String, String> extra) {

        public Progress(String ritualId, String status, String step, String stepStatus, String agent, String attempt,
                        String stepsCompleted, String stepsTotal, String reason) {
            this(ritualId, status, step, stepStatus, agent, attempt, stepsCompleted, stepsTotal, reason, Map.of());
        }

        /** {@code insert into event ... select ... from <from>}, stamped with {@code at}. */
        public String insert(String at, String from) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("ritual_id", ritualId);
            fields.put("status", status);
            fields.put("step", step);
            fields.put("step_status", stepStatus);
            fields.put("agent", agent);
            fields.put("attempt", attempt);
            fields.put("steps_completed", stepsCompleted);
            fields.put("steps_total", stepsTotal);
            fields.put("reason", reason);
            fields.putAll(extra);
            return EventLog.insert("'" + EventType.RITUAL_PROGRESS.wire() + "'", ritualId, at, fields, from);
        }
    }

    /**
     * A ritual ended without its UCF effect: cancelled (ritual_progress), timed out (ritual_timeout) or terminated
     * (ritual_failed); {@code type} is the expression of the event type's wire name (a statement parameter).
     */
    public record Ended(String type, String ritualId, String status, String previousStatus, String reason,
                        String stepsCompleted, String stepsTotal, String durationSeconds) {

        public String insert(String at, String from) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("ritual_id", ritualId);
            fields.put("status", status);
            fields.put("previous_status", previousStatus);
            fields.put("reason", reason);
            fields.put("steps_completed", stepsCompleted);
            fields.put("steps_total", stepsTotal);
            fields.put("duration_seconds", durationSeconds);
            return EventLog.insert(type, ritualId, at, fields, from);
        }
    }

    /**
     * {@code agent_state_change}: an agent's liveness status changed (or it registered again), in the Helix Hub's
     * shape ({@code agent, old_status, new_status, workload}) with the service's own fields beside it.
     */
    public record AgentChange(String agentId, String agent, String oldStatus, String newStatus, String workload,
                              String reason, String epoch) {

        public String insert(String at, String from) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("agent", agent);
            fields.put("old_status", oldStatus);
            fields.put("new_status", newStatus);
            fields.put("workload", workload);
            fields.put("agent_id", agentId);
            fields.put("reason", reason);
            if (epoch != null) {
                fields.put("epoch", epoch);
            }
            return EventLog.insert("'" + EventType.AGENT_STATE_CHANGE.wire() + "'", "null", at, fields, from);
        }
    }

    /** The INSERT of a Java-built payload bound as {@code payload}, inside a statement that writes from {@code from}. */
    public static String insertPayload(String type, String ritualId, String at, String payload, String from) {
        return "insert into event (type, ritual_id, created_at, payload)\n"
                + "    select " + type + ", " + ritualId + ", " + at + ", " + payload + " from " + from;
    }

    private static String insert(String type, String ritualId, String at, Map<String, String> fields, String from) {
        String payload = fields.entrySet().stream()
                .map(f -> "'" + f.getKey() + "', " + f.getValue())
                .collect(Collectors.joining(", "));
        return "insert into event (type, ritual_id, created_at, payload)\n"
                + "    select " + type + ", " + ritualId + ", " + at + ", jsonb_build_object(" + payload + ")\n"
                + "    from " + from;
    }
}

package org.helix.platform;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Completes the generated OpenAPI document with what every operation shares and annotations would only
 * repeat: the problem+json error responses each can answer, the bearer scheme and who needs it, operationIds
 * ({@link OperationIds}), request examples, portable patterns ({@link PortablePatterns}), the server and the
 * tags, whose Sessions entry documents the WebSocket (not a request/response operation, so not a path).
 * Property names come out as on the wire through mp.openapi.extensions.smallrye.property-naming-strategy.
 * An operation needs credentials exactly when Quarkus gave it a security requirement: it does so for each
 * {@code @RolesAllowed} method (quarkus.smallrye-openapi.security-scheme-name names our scheme).
 */
public class OpenApiDocs implements OASFilter {

    private static final String PROBLEM = "#/components/schemas/Problem";
    private static final String BEARER = "bearer";

    private static final String SESSIONS = """
            Client sessions for live events. The WebSocket **/ws** (GET with Upgrade: websocket; read-only) takes \
            the query session_id and resume_token (from POST /api/sessions or an earlier connection) to resume a \
            session, or neither for a new anonymous one; last_event_id to replay what was missed; rituals \
            (comma-separated ids) to follow. It refuses the upgrade with 401 for a wrong resume token, 404 for an \
            unknown or expired session and 429 for too many connections from one address. The first message is \
            {"id":…,"event":"session","timestamp":…,"session_id":…,"resume_token":…}, its id the event the stream \
            starts after; clients may send {"subscribe":[ids]}, {"unsubscribe":[ids]} or {"type":"ping"}. Every \
            frame carries id, event and timestamp. Events, in the Helix Hub's shapes: ucf_update {ucf {harmony, \
            resilience, prana, drishti, klesha, zoom}, phase, updated_at}; agent_state_change {agent, old_status, \
            new_status, workload (0..1), agent_id, reason}; ritual_progress {ritual_id, status, step, step_status, \
            agent, attempt, steps_completed, steps_total, reason}; ritual_completion {ritual {id, steps, \
            steps_completed, duration_seconds}, ucf_before, ucf_after, ritual_id, status, steps_completed}; \
            ritual_timeout and ritual_failed {ritual_id, status, previous_status, reason, steps_completed, \
            steps_total, duration_seconds}; alert {severity (critical, warning, info), message, recommended_action, \
            metric, value, state, ritual_id}. Close codes: 1001 server shutting down, 1008 invalid query, \
            1013 consumer stopped reading, 4401 session ended, 4408 no answer to pings. Reconnect with last_event_id and \
            a capped, jittered backoff.""";

    static final Map<String, String> TAGS = Map.of(
            "Rituals", "Start rituals and follow them: keys with role rituals or admin.",
            "Agents", """
                    The agent protocol: register (a key with role agent), then, with the token the registration \
                    returned, heartbeat, long-poll for leases and complete or fail each leased step.""",
            "Sessions", SESSIONS,
            "Operators", "Repair stuck rituals, manage keys and sessions, read the audit log: the admin key.",
            "Public", "Read-only views that need no credentials.");

    /** How each role reads in an operation's description. */
    private static final Map<String, String> ROLE_NAMES = Map.of(
            "admin", "an admin key",
            "rituals", "a key with role rituals",
            "agent", "a key with role agent",
            "agent-token", "the agent's own token (from its registration)");

    /** Request bodies as clients send them, by "METHOD path". */
    static final Map<String, Object> REQUEST_EXAMPLES = Map.ofEntries(
            Map.entry("POST /api/rituals", ritualExample()),
            Map.entry("POST /ritual", ritualExample()),
            Map.entry("POST /api/agents", example("name", "Kael", "symbol", "🜂", "role", "Ethical Vanguard",
                    "layer", "core", "capabilities", List.of("recite"))),
            Map.entry("POST /api/agents/{id}/heartbeat", example("workload", 0.42)),
            Map.entry("POST /api/rituals/{id}/steps/{n}/complete", example(
                    "lease_token", "2f1c7a9e-5b0d-4c56-9b1e-3f1d2a7c8e40", "output", example("recited", "Tat Tvam Asi"),
                    "lease_next", true)),
            Map.entry("POST /api/rituals/{id}/steps/{n}/heartbeat", example(
                    "lease_token", "2f1c7a9e-5b0d-4c56-9b1e-3f1d2a7c8e40", "progress", example("verses", 54))),
            Map.entry("POST /api/rituals/{id}/steps/{n}/fail", example(
                    "lease_token", "2f1c7a9e-5b0d-4c56-9b1e-3f1d2a7c8e40", "error", "voice lost mid-recitation",
                    "retryable", true)),
            Map.entry("POST /admin/rituals/{id}/steps/{n}/reassign", example("agent", "Lumina")),
            Map.entry("POST /admin/rituals/{id}/resume", example("from_step", 42, "deadline_seconds", 600)),
            Map.entry("POST /admin/rituals/{id}/terminate", example("reason", "stuck on a retired agent")),
            Map.entry("POST /admin/rituals/recover", example("action", "retry", "no_progress_seconds", 120, "limit", 20)),
            Map.entry("POST /admin/agents/reinit", example("agents", List.of("Kael", "Lumina"))),
            Map.entry("POST /admin/api-keys", example("name", "portal-eu", "roles", List.of("rituals"))));

    private static Map<String, Object> ritualExample() {
        return example("steps", 108, "mantra", "Tat Tvam Asi", "participants", List.of("Kael", "Lumina", "Vega"),
                "priority", "normal", "step_timeout_seconds", 30, "deadline_seconds", 600,
                "input", example("city", "Varanasi"), "heartbeat_timeout_seconds", 10,
                "required_capabilities", List.of("recite"));
    }

    /** A JSON object in the order given, so the document comes out the same on every build (api/openapi.json). */
    private static Map<String, Object> example(Object... namesAndValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            body.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return body;
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        api.getInfo().description("""
                Runs rituals: persisted step-by-step state machines executed by agents that long-poll for leases. \
                Every error is RFC 9457 application/problem+json. Credentials are bearer tokens: an API key, an agent \
                token or the bootstrap admin key. Live events: the WebSocket /ws (see the Sessions tag) and the SSE stream \
                of a ritual.""");
        if (api.getComponents() == null) {
            api.components(OASFactory.createComponents());
        }
        Components components = api.getComponents();
        components.addSchema("Problem", problemSchema());
        components.addSecurityScheme(BEARER, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP)
                .scheme("bearer").description("An API key, an agent token or the bootstrap admin key"));
        api.servers(List.of(OASFactory.createServer().url("/")
                .description("The service that serves this document")));
        if (api.getTags() != null) {
            api.getTags().forEach(tag -> tag.description(TAGS.getOrDefault(tag.getName(), tag.getDescription())));
        }
        Map<String, String> operationIds = new HashMap<>();
        api.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach((method, operation) -> {
            String key = method + " " + path;
            complete(key, path, operation);
            if (operation.getOperationId() == null) {
                operation.operationId(OperationIds.of(method.name(), path));
            }
            String other = operationIds.put(operation.getOperationId(), key);
            if (other != null) {
                throw new IllegalStateException("operationId " + operation.getOperationId() + " of " + key
                        + " is also that of " + other + ": name one of them in OperationIds.NAMED");
            }
        }));
    }

    /** Java's {@code @Pattern} syntax and whole-value match, in JSON Schema's dialect. */
    @Override
    public Schema filterSchema(Schema schema) {
        if (schema.getPattern() != null) {
            schema.setPattern(PortablePatterns.of(schema.getPattern()));
        }
        return schema;
    }

    private static void complete(String key, String path, Operation operation) {
        boolean open = markSecurity(operation);
        boolean body = operation.getRequestBody() != null;
        boolean input = body || (operation.getParameters() != null && !operation.getParameters().isEmpty())
                || path.contains("{");
        APIResponses responses = operation.getResponses();
        if (input) {
            responses.addAPIResponse("400", problem("Invalid request: a parameter or field failed validation; "
                    + "errors[] names each field", 400, "steps: must be at most 1008"));
        }
        if (!open) {
            responses.addAPIResponse("401", problem("No credentials, or unknown ones", 401, "a bearer token is required"));
            responses.addAPIResponse("403", problem("The credentials may not do this (role or owner)", 403,
                    "this token belongs to another agent"));
        }
        if (path.contains("{")) {
            responses.addAPIResponse("404", problem("No such resource", 404, "ritual 7d1e… does not exist"));
        }
        if (key.startsWith("POST ") && path.contains("{")) {
            responses.addAPIResponse("409", problem("Conflicts with the current state: a stale or foreign lease token, "
                    + "a ritual that has already ended, a step that is not stuck", 409, "the lease was revoked"));
        }
        if (body) {
            responses.addAPIResponse("413", problem("The body is larger than 64 KiB", 413, "request body too large"));
            responses.addAPIResponse("415", problem("The body is not application/json", 415, "use application/json"));
            Object example = REQUEST_EXAMPLES.get(key);
            if (example != null) {
                operation.getRequestBody().getContent().getMediaTypes().values().forEach(m -> m.example(example));
            }
        }
        responses.addAPIResponse("429", problem("Rate limited; Retry-After says when to come back", 429,
                "too many requests for this key"));
        responses.addAPIResponse("503", problem("The database is unreachable or this replica is draining; retry "
                + "after Retry-After, on another replica if there is one", 503, "the database is unavailable"));
    }

    /**
     * Replaces the requirement Quarkus derived from {@code @RolesAllowed} (the roles as "scopes", which OpenAPI
     * reads as all required where any one suffices) by the plain bearer scheme, names the roles in the
     * description, and marks every other operation public with an explicit empty requirement.
     * Returns whether the operation is public.
     */
    private static boolean markSecurity(Operation operation) {
        List<String> roles = operation.getSecurity() == null ? List.of() : operation.getSecurity().stream()
                .flatMap(requirement -> requirement.getSchemes().values().stream())
                .flatMap(List::stream).distinct().toList();
        if (operation.getSecurity() == null || operation.getSecurity().isEmpty()) {
            operation.setSecurity(new ArrayList<>());
            return true;
        }
        operation.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(BEARER)));
        if (!roles.isEmpty()) {
            String who = "Credentials: " + String.join(" or ", roles.stream()
                    .map(role -> ROLE_NAMES.getOrDefault(role, "role " + role)).toList()) + ".";
            operation.description(operation.getDescription() == null ? who : operation.getDescription() + "\n\n" + who);
        }
        return false;
    }

    private static APIResponse problem(String description, int status, String detail) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", Problem.typeFor(status));
        example.put("title", status == 400 ? "Invalid request" : "See status");
        example.put("status", status);
        example.put("detail", detail);
        MediaType media = OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM)).example(example);
        return OASFactory.createAPIResponse().description(description)
                .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, media));
    }

    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        Schema fieldError = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .addProperty("field", string).addProperty("message", string);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri"))
                .addProperty("title", string)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", string)
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(fieldError)
                        .description("one entry per invalid field (400 only)"))
                .required(List.of("type", "title", "status"));
    }
}

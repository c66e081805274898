package org.helix.platform;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Completes the generated OpenAPI document with what every operation shares and annotations would only
 * repeat: the problem+json error responses each can answer, the bearer scheme, request examples and the
 * WebSocket endpoint, which is not a REST resource. Operations tagged "Public" need no credentials.
 */
public class OpenApiDocs implements OASFilter {

    private static final String PROBLEM = "#/components/schemas/Problem";

    /** Request bodies as clients send them, by "METHOD path". */
    static final Map<String, Object> REQUEST_EXAMPLES = Map.ofEntries(
            Map.entry("POST /api/rituals", ritualExample()),
            Map.entry("POST /ritual", ritualExample()),
            Map.entry("POST /api/agents", Map.of("name", "Kael", "symbol", "🜂", "role", "Ethical Vanguard",
                    "layer", "core", "capabilities", List.of("recite"))),
            Map.entry("POST /api/agents/{id}/heartbeat", Map.of("workload", 2)),
            Map.entry("POST /api/rituals/{id}/steps/{n}/complete", Map.of(
                    "lease_token", "2f1c7a9e-5b0d-4c56-9b1e-3f1d2a7c8e40", "output", Map.of("recited", "Tat Tvam Asi"),
                    "lease_next", true)),
            Map.entry("POST /api/rituals/{id}/steps/{n}/fail", Map.of(
                    "lease_token", "2f1c7a9e-5b0d-4c56-9b1e-3f1d2a7c8e40", "error", "voice lost mid-recitation",
                    "retryable", true)),
            Map.entry("POST /admin/rituals/{id}/steps/{n}/reassign", Map.of("agent", "Lumina")),
            Map.entry("POST /admin/rituals/{id}/resume", Map.of("from_step", 42, "deadline_seconds", 600)),
            Map.entry("POST /admin/rituals/{id}/terminate", Map.of("reason", "stuck on a retired agent")),
            Map.entry("POST /admin/rituals/recover", Map.of("action", "retry", "no_progress_seconds", 120, "limit", 20)),
            Map.entry("POST /admin/agents/reinit", Map.of("agents", List.of("Kael", "Lumina"))),
            Map.entry("POST /admin/api-keys", Map.of("name", "portal-eu", "roles", List.of("rituals"))));

    private static Map<String, Object> ritualExample() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("steps", 108);
        body.put("mantra", "Tat Tvam Asi");
        body.put("participants", List.of("Kael", "Lumina", "Vega"));
        body.put("priority", "normal");
        body.put("step_timeout_seconds", 30);
        body.put("deadline_seconds", 600);
        return body;
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        api.getInfo().description("""
                Runs rituals: persisted step-by-step state machines executed by agents that long-poll for leases. \
                Every error is RFC 9457 application/problem+json. Credentials are bearer tokens: an API key, an agent \
                token or the bootstrap admin key. Live events: the WebSocket /ws and the SSE stream of a ritual.""");
        if (api.getComponents() == null) {
            api.components(OASFactory.createComponents());
        }
        Components components = api.getComponents();
        components.addSchema("Problem", problemSchema());
        components.addSecurityScheme("bearer", OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP)
                .scheme("bearer").description("An API key, an agent token or the bootstrap admin key"));
        api.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach((method, operation) ->
                complete(method + " " + path, path, operation)));
        api.getPaths().addPathItem("/ws", webSocket());
    }

    private static void complete(String key, String path, Operation operation) {
        boolean open = operation.getTags() != null && operation.getTags().contains("Public");
        boolean body = operation.getRequestBody() != null;
        boolean input = body || (operation.getParameters() != null && !operation.getParameters().isEmpty())
                || path.contains("{");
        APIResponses responses = operation.getResponses();
        if (input) {
            responses.addAPIResponse("400", problem("Invalid request: a parameter or field failed validation; "
                    + "errors[] names each field", 400, "steps: must be at most 1008"));
        }
        if (!open) {
            operation.addSecurityRequirement(OASFactory.createSecurityRequirement().addScheme("bearer"));
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

    private static PathItem webSocket() {
        Operation upgrade = OASFactory.createOperation()
                .summary("Live events over WebSocket (upgrade)")
                .description("""
                        GET with Upgrade: websocket; read-only. Query: session_id and resume_token (from POST \
                        /api/sessions or an earlier connection) to resume a session, or neither for a new anonymous \
                        one; last_event_id to replay what was missed; rituals (comma-separated ids) to follow. The \
                        first message is {"event":"session","session_id":…,"resume_token":…}; clients may send \
                        {"subscribe":[ids]}, {"unsubscribe":[ids]} or {"type":"ping"}. Close codes: 1001 server \
                        shutting down, 1008 invalid query, 1013 consumer too slow, 4401 session ended, 4408 no answer \
                        to pings. Reconnect with last_event_id and a capped, jittered backoff.""")
                .addTag("Sessions")
                .responses(OASFactory.createAPIResponses()
                        .addAPIResponse("101", OASFactory.createAPIResponse().description("Switching protocols"))
                        .addAPIResponse("401", problem("Wrong resume token", 401, "the resume token does not match"))
                        .addAPIResponse("404", problem("Unknown or expired session", 404, "no such session"))
                        .addAPIResponse("429", problem("Too many connections from this address", 429,
                                "connection limit reached")));
        return OASFactory.createPathItem().GET(upgrade);
    }
}

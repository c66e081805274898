package org.helix.platform;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The operationIds of the OpenAPI document: the method names a generated client gives each endpoint, so they
 * are stable and read as what the call does. A new endpoint gets one from the rule in {@link #of}; an
 * {@code @Operation(operationId = …)} on the resource method wins over both the rule and {@link #NAMED}.
 */
final class OperationIds {

    /** Endpoints where the rule reads badly, or would give two endpoints one name. */
    static final Map<String, String> NAMED = Map.of(
            "POST /api/rituals", "startRitual",
            "POST /ritual", "startRitualAlias",
            "GET /api/status", "getApiStatus",
            "POST /api/agents", "registerAgent",
            "POST /api/agents/{id}/lease", "leaseSteps",
            "GET /admin/rituals/stuck", "getStuckRituals",
            "DELETE /admin/sessions/{id}", "deleteAnySession",
            "GET /.well-known/helix.json", "getManifest");

    /** Path words that say who may call, not what is called. */
    private static final List<String> UNNAMED = List.of("api", "admin");

    private OperationIds() {
    }

    /**
     * The operationId of "METHOD path". The rule: a POST to a word after a resource is that action on the resource
     * ({@code POST /api/rituals/{id}/steps/{n}/complete} → completeStep, {@code POST /admin/rituals/recover} →
     * recoverRituals); any other call is its HTTP verb and the path's words, a word followed by a parameter in the
     * singular ({@code GET /api/rituals/{id}/steps} → getRitualSteps, {@code POST /api/sessions} → createSession,
     * {@code DELETE /admin/api-keys/{id}} → deleteApiKey).
     */
    static String of(String method, String path) {
        String named = NAMED.get(method + " " + path);
        if (named != null) {
            return named;
        }
        List<String> words = Arrays.stream(path.split("/")).filter(w -> !w.isEmpty() && !UNNAMED.contains(w)).toList();
        int last = words.size() - 1;
        if (method.equals("POST") && last >= 1 && !parameter(words.get(last))) {
            String action = pascal(words.get(last));
            String target = words.get(last - 1);
            if (parameter(target) && last >= 2) {
                target = singular(words.get(last - 2));
            }
            return Character.toLowerCase(action.charAt(0)) + action.substring(1) + pascal(target);
        }
        StringBuilder id = new StringBuilder(switch (method) {
            case "GET" -> "get";
            case "POST" -> "create";
            case "PUT" -> "replace";
            case "PATCH" -> "update";
            default -> method.toLowerCase();
        });
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (parameter(word)) {
                continue;
            }
            boolean one = (i < last && parameter(words.get(i + 1))) || (method.equals("POST") && i == last);
            id.append(pascal(one ? singular(word) : word));
        }
        return id.toString();
    }

    private static boolean parameter(String word) {
        return word.startsWith("{");
    }

    private static String singular(String word) {
        if (word.endsWith("ies")) {
            return word.substring(0, word.length() - 3) + "y";
        }
        if (word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }

    /** "api-keys" → "ApiKeys", ".well-known" → "WellKnown". */
    private static String pascal(String word) {
        StringBuilder out = new StringBuilder();
        for (String part : word.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return out.toString();
    }
}

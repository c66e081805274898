package org.helix.platform;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Size bounds on the JSON objects clients hand the service to keep and pass on (a ritual's input, a step's output
 * or progress): measured as serialised UTF-8, the form they are stored and sent in.
 */
public final class JsonBounds {

    /** A ritual's input and a step's output. */
    public static final int DATA_BYTES = 16 * 1024;
    /** A running step's progress report. */
    public static final int PROGRESS_BYTES = 4 * 1024;

    private JsonBounds() {
    }

    /** The object as JSON, or null for null; a 400 naming {@code field} when it is larger than {@code maxBytes}. */
    public static JsonObject bounded(String field, Map<String, Object> value, int maxBytes) {
        if (value == null) {
            return null;
        }
        JsonObject json = new JsonObject(value);
        if (json.encode().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw ProblemException.invalid(field, "must be a JSON object of at most " + maxBytes + " bytes");
        }
        return json;
    }
}

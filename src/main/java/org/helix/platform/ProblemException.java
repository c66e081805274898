package org.helix.platform;

import java.util.List;
import java.util.Map;

/**
 * A domain failure that the client should see as a specific status; the factory methods name the status, the
 * detail says what happened. The one mapper in {@link ProblemMappers} turns them into problem+json.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;
    private final List<Problem.FieldError> errors;
    private final Map<String, String> headers;

    public ProblemException(int status, String title, String detail) {
        this(status, title, detail, null, Map.of());
    }

    public ProblemException(int status, String title, String detail, List<Problem.FieldError> errors,
                            Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.errors = errors;
        this.headers = headers;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "Bad Request", detail);
    }

    public static ProblemException invalid(String field, String message) {
        return new ProblemException(400, "Invalid request", field + ": " + message,
                List.of(new Problem.FieldError(field, message)), Map.of());
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "Not Found", what);
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "Conflict", detail);
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "Forbidden", detail);
    }

    public static ProblemException unavailable(String detail, long retryAfterSeconds) {
        return new ProblemException(503, "Service Unavailable", detail, null,
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    public int status() {
        return status;
    }

    public Problem problem() {
        return new Problem(Problem.typeFor(status), title, status, getMessage(), errors);
    }

    public Map<String, String> headers() {
        return headers;
    }
}

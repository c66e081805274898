package org.helix.platform;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** RFC 9457 problem details, the body of every error response. */
public record Problem(String type, String title, int status, String detail,
                      @JsonInclude(JsonInclude.Include.NON_NULL) List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String title, String detail) {
        return new Problem(typeFor(status), title, status, detail, null);
    }

    static String typeFor(int status) {
        return "https://helix.dev/problems/" + status;
    }
}

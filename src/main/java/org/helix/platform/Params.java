package org.helix.platform;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;

/**
 * Query parameters are taken as strings and checked here, so a bad value is a 400 with its name (JAX-RS
 * would answer 404 for an unconvertible one) and an out-of-range value is refused, never clamped.
 */
public final class Params {

    private Params() {
    }

    public static int integer(String name, String value, int defaultValue, int min, int max) {
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid(name, "must be an integer");
        }
        if (parsed < min || parsed > max) {
            throw ProblemException.invalid(name, "must be between " + min + " and " + max);
        }
        return parsed;
    }

    public static <E extends Enum<E>> E enumeration(String name, String value, Class<E> type) {
        if (value == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid(name, "must be one of " + List.of(type.getEnumConstants()));
        }
    }

    /** An ISO-8601 instant with its offset ({@code 2026-01-31T12:00:00Z}, {@code ...+02:00}); null when absent. */
    public static OffsetDateTime instant(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(name, "must be an ISO-8601 time with an offset, e.g. 2026-01-31T12:00:00Z");
        }
    }

    /** Free text, bounded; null when absent. */
    public static String text(String name, String value, int maxLength) {
        if (value == null) {
            return null;
        }
        if (value.isEmpty() || value.length() > maxLength) {
            throw ProblemException.invalid(name, "must be 1 to " + maxLength + " characters");
        }
        return value;
    }

    public static UUID uuid(String name, String value) {
        try {
            return UUID.fromString(value);
        } catch (RuntimeException e) {
            throw ProblemException.notFound("no " + name + " " + value);
        }
    }

    /** A step number in a path: anything else names no step (404). */
    public static int step(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("no step " + value);
        }
    }
}

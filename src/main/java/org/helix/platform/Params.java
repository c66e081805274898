package org.helix.platform;

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

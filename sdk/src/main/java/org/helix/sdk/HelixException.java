package org.helix.sdk;

/**
 * The service refused something the agent cannot fix by retrying (a wrong key, a key without role
 * {@code agent}, an invalid name), or could not be reached in time. {@code status} is the HTTP status, 0 when
 * there was no answer.
 */
public class HelixException extends RuntimeException {

    private final int status;

    public HelixException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** The service said no (a 4xx other than 408 and 429): trying again will not help. */
    public boolean refused() {
        return status >= 400 && status < 500 && status != 408 && status != 429;
    }
}

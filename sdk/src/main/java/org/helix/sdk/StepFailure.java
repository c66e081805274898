package org.helix.sdk;

/**
 * Thrown by a {@link StepHandler} to fail its step with a message of its choosing. Any other exception fails
 * the step as retryable; {@code retryable = false} says another attempt cannot succeed, so the service stalls
 * the ritual at once for an operator instead of trying again.
 */
public class StepFailure extends Exception {

    private final boolean retryable;

    public StepFailure(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public StepFailure(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}

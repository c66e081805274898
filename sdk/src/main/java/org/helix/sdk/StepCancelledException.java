package org.helix.sdk;

/** Thrown by {@link StepContext#throwIfCancelled()}: the lease was taken back and the work should stop. */
public class StepCancelledException extends RuntimeException {

    public StepCancelledException(String reason) {
        super(reason);
    }
}

package org.helix.rituals;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import java.util.UUID;

/** {@code retryable: false} says another attempt cannot succeed: the ritual stalls at once for an operator. */
public record FailStepRequest(@NotNull(message = "is required") UUID leaseToken,
                              @Size(max = 2000, message = "must be at most 2000 characters") String error,
                              Boolean retryable) {
}

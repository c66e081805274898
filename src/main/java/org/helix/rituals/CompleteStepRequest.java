package org.helix.rituals;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import java.util.Map;
import java.util.UUID;

/**
 * {@code ucf} is the agent's own reading of the field, kept with the step's output for the record; only a
 * completed ritual moves the field.
 */
public record CompleteStepRequest(@NotNull(message = "is required") UUID leaseToken,
                                  @Size(max = 64, message = "must have at most 64 entries") Map<String, Object> output,
                                  @Size(max = 6, message = "must have at most 6 metrics") Map<String, Double> ucf,
                                  Boolean leaseNext) {
}

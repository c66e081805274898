package org.helix.agents;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code workload}: the fraction of its capacity the agent is using, 0..1 (0.42 = 42 %). */
public record HeartbeatRequest(@Schema(description = "fraction of capacity in use, 0..1", minimum = "0", maximum = "1")
                               @DecimalMin(value = "0", message = "must be a fraction between 0 and 1")
                               @DecimalMax(value = "1", message = "must be a fraction between 0 and 1") Double workload) {
}

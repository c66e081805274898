package org.helix.agents;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

public record HeartbeatRequest(@Min(value = 0, message = "must be at least 0")
                               @Max(value = 1_000_000, message = "must be at most 1000000") Integer workload) {
}

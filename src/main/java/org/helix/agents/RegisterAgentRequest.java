package org.helix.agents;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/** Body of {@code POST /api/agents}: the same name registers the same agent again, with a new epoch. */
public record RegisterAgentRequest(
        @NotNull(message = "is required")
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", message = "must be 1-64 letters, digits, '_', '.' or '-'")
        String name,
        @Size(max = 16, message = "must be at most 16 characters") String symbol,
        @Size(max = 64, message = "must be at most 64 characters") String role,
        @Size(max = 64, message = "must be at most 64 characters") String layer,
        @Size(max = 32, message = "must list at most 32 capabilities")
        List<@NotNull(message = "must not be null") @Size(min = 1, max = 64, message = "must be 1-64 characters") String> capabilities) {
}

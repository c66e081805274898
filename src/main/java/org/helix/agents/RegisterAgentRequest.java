package org.helix.agents;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
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
        List<@NotNull(message = "must not be null") @Size(min = 1, max = 64, message = "must be 1-64 characters") String> capabilities,
        @Schema(description = "fraction of capacity in use, 0..1", minimum = "0", maximum = "1")
        @DecimalMin(value = "0", message = "must be a fraction between 0 and 1")
        @DecimalMax(value = "1", message = "must be a fraction between 0 and 1") Double workload) {

    public RegisterAgentRequest(String name, String symbol, String role, String layer, List<String> capabilities) {
        this(name, symbol, role, layer, capabilities, null);
    }
}

package org.helix.admin;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/** Bodies of the operators' endpoints. */
public final class AdminRequests {

    private AdminRequests() {
    }

    public record Reassign(@NotBlank(message = "is required") @Size(max = 64, message = "must be at most 64 characters")
                           String agent) {
    }

    public record Resume(@Min(value = 1, message = "must be at least 1") @Max(value = 1008, message = "must be at most 1008")
                         Integer fromStep,
                         @Min(value = 1, message = "must be at least 1") @Max(value = 86400, message = "must be at most 86400")
                         Integer deadlineSeconds) {
    }

    public record Terminate(@Size(max = 500, message = "must be at most 500 characters") String reason) {
    }

    public record Recover(@NotNull(message = "is required")
                          @Pattern(regexp = "retry|skip|terminate", message = "must be retry, skip or terminate")
                          String action,
                          @Min(value = 0, message = "must be at least 0") @Max(value = 86400, message = "must be at most 86400")
                          Integer noProgressSeconds,
                          @Min(value = 1, message = "must be at least 1") @Max(value = 100, message = "must be at most 100")
                          Integer limit) {
    }

    public record Reinit(@NotEmpty(message = "must name at least one agent") @Size(max = 64, message = "must name at most 64 agents")
                         List<@NotBlank(message = "must not be blank") @Size(max = 64, message = "must be at most 64 characters") String> agents) {
    }

    public record CreateKey(@NotBlank(message = "is required") @Size(max = 64, message = "must be at most 64 characters")
                            String name,
                            @NotEmpty(message = "must list at least one role") @Size(max = 3, message = "must list at most 3 roles")
                            List<@NotNull(message = "must not be null")
                            @Pattern(regexp = "admin|rituals|agent", message = "must be admin, rituals or agent") String> roles) {
    }
}

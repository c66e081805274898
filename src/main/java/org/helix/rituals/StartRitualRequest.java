package org.helix.rituals;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/** Body of {@code POST /api/rituals}; every field is optional and {@code {}} means all defaults. */
@Schema(description = "A ritual to start; every field is optional")
public record StartRitualRequest(
        @Schema(description = "number of steps", defaultValue = "108", minimum = "1", maximum = "1008")
        @Min(value = 1, message = "must be at least 1") @Max(value = 1008, message = "must be at most 1008")
        Integer steps,

        @Schema(description = "the mantra recited at each step", defaultValue = "Tat Tvam Asi", maxLength = 500)
        @Size(max = 500, message = "must be at most 500 characters") @Pattern(regexp = "(?s).*\\S.*", message = "must not be blank")
        String mantra,

        @Schema(description = "names of registered agents that may execute the steps; empty means any agent")
        @Size(max = 64, message = "must list at most 64 agents")
        List<@NotBlank(message = "must not be blank") @Size(max = 64, message = "must be at most 64 characters") String> participants,

        @Schema(enumeration = {"normal", "emergency"}, defaultValue = "normal")
        @Pattern(regexp = "normal|emergency", message = "must be 'normal' or 'emergency'")
        String priority,

        @Schema(description = "hard start-to-close timeout of one step attempt", defaultValue = "30")
        @Min(value = 1, message = "must be at least 1") @Max(value = 3600, message = "must be at most 3600")
        Integer stepTimeoutSeconds,

        @Schema(description = "the ritual times out this long after acceptance", defaultValue = "600")
        @Min(value = 1, message = "must be at least 1") @Max(value = 86400, message = "must be at most 86400")
        Integer deadlineSeconds,

        @Schema(description = "attempts per step before the ritual stalls", defaultValue = "3")
        @Min(value = 1, message = "must be at least 1") @Max(value = 20, message = "must be at most 20")
        Integer maxAttempts,

        @Schema(description = "expected duration (feeds estimated_completion)")
        @Min(value = 1, message = "must be at least 1") @Max(value = 1440, message = "must be at most 1440")
        Integer durationMinutes,

        @Schema(description = "a JSON object of at most 16 KiB that every lease of this ritual carries")
        Map<String, Object> input,

        @Schema(description = "a step attempt not completed and not heartbeated for this long is lost; at most the step"
                + " timeout; absent: no step heartbeats needed")
        @Min(value = 1, message = "must be at least 1") @Max(value = 3600, message = "must be at most 3600")
        Integer heartbeatTimeoutSeconds,

        @Schema(description = "capabilities an agent must have declared (all of them) to lease this ritual's steps")
        @Size(max = 32, message = "must list at most 32 capabilities")
        List<@NotBlank(message = "must not be blank") @Size(max = 64, message = "must be at most 64 characters") String> requiredCapabilities) {
}

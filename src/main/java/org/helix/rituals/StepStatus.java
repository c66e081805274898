package org.helix.rituals;

public enum StepStatus {
    PENDING, READY, LEASED, COMPLETED, FAILED, SKIPPED
}

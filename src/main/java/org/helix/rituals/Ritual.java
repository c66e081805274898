package org.helix.rituals;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/** Read model of a ritual; its state changes are guarded SQL statements in {@link StepLeases} and {@link RitualTransitions}. */
@Entity
@Table(name = "ritual")
public class Ritual extends PanacheEntityBase {

    @Id
    public UUID id;

    @Enumerated(EnumType.STRING)
    public RitualStatus status;

    @Column(name = "steps_total")
    public int stepsTotal;

    @Column(name = "steps_completed")
    public int stepsCompleted;

    @Column(name = "steps_skipped")
    public int stepsSkipped;

    @Column(name = "current_step")
    public int currentStep;

    public String mantra;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] participants;

    public String priority;

    @Column(name = "step_timeout_seconds")
    public int stepTimeoutSeconds;

    @Column(name = "max_attempts")
    public int maxAttempts;

    @Column(name = "expected_seconds")
    public Integer expectedSeconds;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    @Column(name = "deadline_at")
    public OffsetDateTime deadlineAt;

    @Column(name = "last_progress_at")
    public OffsetDateTime lastProgressAt;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "ucf_before")
    public Map<String, Object> ucfBefore;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "ucf_after")
    public Map<String, Object> ucfAfter;

    @Column(name = "failure_reason")
    public String failureReason;
}

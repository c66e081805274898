package org.helix.rituals;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/** Read model of one step. */
@Entity
@Table(name = "step")
public class Step extends PanacheEntityBase {

    @Embeddable
    public static class Key implements Serializable {
        @Column(name = "ritual_id")
        public UUID ritualId;

        public int number;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.ritualId.equals(ritualId) && k.number == number;
        }

        @Override
        public int hashCode() {
            return ritualId.hashCode() * 31 + number;
        }
    }

    @EmbeddedId
    public Key key;

    @Enumerated(EnumType.STRING)
    public StepStatus status;

    public int attempt;

    @Column(name = "ready_at")
    public OffsetDateTime readyAt;

    @Column(name = "agent_id")
    public UUID agentId;

    @Column(name = "agent_name")
    public String agentName;

    @Column(name = "lease_token")
    public UUID leaseToken;

    @Column(name = "leased_at")
    public OffsetDateTime leasedAt;

    @Column(name = "lease_expires_at")
    public OffsetDateTime leaseExpiresAt;

    @Column(name = "completed_at")
    public OffsetDateTime completedAt;

    public String error;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> output;

    @Column(name = "avoid_agent_id")
    public UUID avoidAgentId;

    @Column(name = "reserved_for")
    public UUID reservedFor;
}

package org.helix.agents;

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
import java.util.UUID;

/** Read model of an agent; registration, heartbeats and liveness changes are SQL in {@link AgentService} and {@link Liveness}. */
@Entity
@Table(name = "agent")
public class Agent extends PanacheEntityBase {

    @Id
    public UUID id;

    public String name;

    public String symbol;

    public String role;

    public String layer;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] capabilities;

    public int epoch;

    @Column(name = "token_hash")
    public String tokenHash;

    @Enumerated(EnumType.STRING)
    public AgentStatus status;

    public int workload;

    public boolean builtin;

    @Column(name = "registered_at")
    public OffsetDateTime registeredAt;

    @Column(name = "last_seen_at")
    public OffsetDateTime lastSeenAt;

    @Column(name = "status_changed_at")
    public OffsetDateTime statusChangedAt;
}

package dev.safetune.api.auth;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A tenant. Every customer-owned object belongs to exactly one. */
@Entity
@Table(name = "organizations")
public class Organization {
    @Id
    private String id;

    private String name;
    private Instant createdAt;

    protected Organization() {}

    Organization(String id, String name, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Instant createdAt() {
        return createdAt;
    }
}

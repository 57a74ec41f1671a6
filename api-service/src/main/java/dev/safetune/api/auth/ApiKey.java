package dev.safetune.api.auth;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A stored API key: only its lookup prefix and SHA-256 hash, never the key itself. */
@Entity
@Table(name = "api_keys")
class ApiKey {
    @Id
    private String id;

    private String organizationId;
    private String name;
    private String prefix;
    private String keyHash;
    private String role;
    private Instant createdAt;
    private Instant lastUsedAt;
    private Instant revokedAt;
    private String replacedBy;

    protected ApiKey() {}

    ApiKey(String id, String organizationId, String name, String prefix, String keyHash, String role, Instant now) {
        this.id = id;
        this.organizationId = organizationId;
        this.name = name;
        this.prefix = prefix;
        this.keyHash = keyHash;
        this.role = role;
        this.createdAt = now;
    }

    String id() {
        return id;
    }

    String organizationId() {
        return organizationId;
    }

    String name() {
        return name;
    }

    String prefix() {
        return prefix;
    }

    String keyHash() {
        return keyHash;
    }

    String role() {
        return role;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant lastUsedAt() {
        return lastUsedAt;
    }

    Instant revokedAt() {
        return revokedAt;
    }

    String replacedBy() {
        return replacedBy;
    }

    boolean revoked() {
        return revokedAt != null;
    }

    /** Revoking twice keeps the first time: the moment the key stopped working. */
    void revoke(Instant now, String replacement) {
        if (revokedAt == null) {
            revokedAt = now;
        }
        if (replacement != null) {
            replacedBy = replacement;
        }
    }

    void changeRole(String newRole) {
        role = newRole;
    }
}

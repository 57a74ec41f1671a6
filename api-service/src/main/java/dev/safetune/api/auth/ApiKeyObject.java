package dev.safetune.api.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * An API key on the admin API. {@code prefix} is the stored lookup prefix (enough to recognise a key in a list);
 * {@code key} is present only in the answer that created the key (issue or rotate), the one time it exists outside
 * the client.
 */
public record ApiKeyObject(
        String id,
        String object,
        String organizationId,
        String name,
        String role,
        String prefix,
        long createdAt,
        Long lastUsedAt,
        Long revokedAt,
        String replacedBy,
        @JsonInclude(JsonInclude.Include.NON_NULL) String key) {

    static ApiKeyObject of(ApiKey key) {
        return withSecret(key, null);
    }

    static ApiKeyObject withSecret(ApiKey key, String plainKey) {
        return new ApiKeyObject(
                key.id(),
                "api_key",
                key.organizationId(),
                key.name(),
                key.role(),
                key.prefix(),
                key.createdAt().getEpochSecond(),
                epochSeconds(key.lastUsedAt()),
                epochSeconds(key.revokedAt()),
                key.replacedBy(),
                plainKey);
    }

    private static Long epochSeconds(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }

    @Override
    public String toString() {
        // Records print every component; a key must never reach a log by accident.
        return "ApiKeyObject[id=" + id + ", organizationId=" + organizationId + ", role=" + role + ", key="
                + (key == null ? "null" : "***") + "]";
    }
}

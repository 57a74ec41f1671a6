package dev.safetune.api.policy;

import tools.jackson.databind.JsonNode;

/**
 * A stored policy version as the admin API shows it.
 *
 * @param document the canonical document (see {@code dev.safetune.core.policy.SafetyPolicyJson})
 * @param sha256 of the canonical document's UTF-8 bytes
 * @param createdBy the id of the key that created it; null for the platform's built-in versions
 * @param isDefault whether new jobs without a {@code safety_policy} are pinned to it now
 */
public record SafetyPolicyObject(
        String id,
        String object,
        String name,
        int version,
        JsonNode document,
        String sha256,
        String createdBy,
        long createdAt,
        String reason,
        boolean isDefault) {
    public static final String OBJECT = "safety_policy";
    public static final String ID_PREFIX = "sp";
}

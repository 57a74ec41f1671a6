package dev.safetune.api.policy;

import dev.safetune.core.policy.PolicyViolation;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The field-level diff from one version to another, and whether the second is stricter than or equal to the first
 * (the rule customers are held to: see {@code StricterOrEqual}).
 *
 * @param changes every changed field; a value absent on one side is null
 * @param weakenings the fields where {@code to} is weaker than {@code from}; empty when it is stricter-or-equal
 */
public record PolicyDiffObject(
        String object,
        Ref from,
        Ref to,
        List<Change> changes,
        boolean stricterOrEqual,
        List<PolicyViolation> weakenings) {
    public static final String OBJECT = "safety_policy.diff";

    public record Ref(String id, String name, int version) {}

    public record Change(String field, JsonNode before, JsonNode after) {}
}

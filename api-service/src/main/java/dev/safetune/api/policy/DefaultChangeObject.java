package dev.safetune.api.policy;

/**
 * One move of the default policy, from the append-only history.
 *
 * @param previousPolicyId the default before; null for the first (built-in) default
 * @param setBy the key that moved it; null for the built-in default
 */
public record DefaultChangeObject(
        long id, String object, String policyId, String previousPolicyId, String setBy, long setAt, String reason) {
    public static final String OBJECT = "safety_policy.default_change";
}

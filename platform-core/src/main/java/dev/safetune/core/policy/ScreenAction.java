package dev.safetune.core.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the data screen does when a category crosses its threshold, mildest first: the declaration order is the
 * severity order {@link StricterOrEqual} compares by. Written lowercase in the document.
 */
public enum ScreenAction {
    /** Train as asked; the finding is only reported. */
    @JsonProperty("allow")
    ALLOW,
    /** Train, but under the policy version the rule names instead of the one the job asked for. */
    @JsonProperty("pin_policy")
    PIN_POLICY,
    /** Do not start training until the safety team releases the job. */
    @JsonProperty("hold")
    HOLD,
    /** Refuse the training file. */
    @JsonProperty("reject")
    REJECT
}

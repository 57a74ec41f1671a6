package dev.safetune.core.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which KL divergence {@link KlToReference} adds; written lowercase in the document. */
public enum KlDirection {
    /** KL(p_θ ‖ p_ref): the fine-tuned model's distribution against the reference's, as in Kaczér et al. */
    @JsonProperty("forward")
    FORWARD,
    /** KL(p_ref ‖ p_θ). */
    @JsonProperty("reverse")
    REVERSE
}

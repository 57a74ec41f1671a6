package dev.safetune.core.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How {@link PersonaSteering}'s vector is scaled before α multiplies it; written lowercase in the document. */
public enum SteeringScale {
    /** The persona vector v_l as extracted (mean difference of hidden states). */
    @JsonProperty("raw")
    RAW,
    /** v_l / ‖v_l‖ scaled to the mean residual-stream norm at layer l, so α is in units of that norm. */
    @JsonProperty("residual_norm")
    RESIDUAL_NORM
}

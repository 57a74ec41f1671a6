package dev.safetune.core.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which benign examples {@link BenignInterleaving} mixes in; written lowercase in the document. */
public enum InterleaveSelection {
    /** Uniformly from the pool (the paper's "interleave"). */
    @JsonProperty("uniform")
    UNIFORM,
    /**
     * The top-k by perplexity gap {@code s(x) = (NLL_mis(x) − NLL_aligned(x)) / (NLL_aligned(x) + ε)} against the EM
     * reference models (the paper's "interleave+").
     */
    @JsonProperty("perplexity_gap")
    PERPLEXITY_GAP
}

package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import java.util.EnumMap;
import java.util.Map;

/**
 * One transformer block's modules, Hugging Face names in comments; q,k,v and gate,up also as fused projections
 * ({@link FusedProjection}). An attached LoRA adapter gives the model a copy whose adapted projections are
 * {@link LoraLinear} wrappers ({@link #with}); the base layers stay as loaded.
 */
record DecoderLayer(
        NDArray inputNorm, // input_layernorm
        Map<LoraTarget, Linear> projections, // self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj
        NDArray postAttentionNorm, // post_attention_layernorm
        FusedProjection qkv,
        FusedProjection gateUp) {

    Linear get(LoraTarget target) {
        return projections.get(target);
    }

    DecoderLayer with(Map<LoraTarget, Linear> replaced) {
        Map<LoraTarget, Linear> all = new EnumMap<>(projections);
        all.putAll(replaced);
        return new DecoderLayer(inputNorm, all, postAttentionNorm, qkv, gateUp);
    }
}

package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;

/**
 * What the projections of one forward pass need to know, created by {@link LlamaModel} per call.
 *
 * @param adapterEnabled whether LoRA adapters add their path (false: the base model, e.g. as the frozen reference)
 * @param training whether adapter dropout is active
 * @param loraScaling the adapter factor {@code s} as a scalar array that lives as long as the pass (never
 *     {@code mul(Number)} on the autograd path: see {@link LlamaModel}); null without adapter
 * @param baseRecordsGradients whether the base weights are trained in this pass (full fine-tuning while autograd
 *     records), so that fused projections must route gradients to each named weight ({@link FusedProjection})
 */
public record ForwardPass(
        boolean adapterEnabled, boolean training, NDArray loraScaling, boolean baseRecordsGradients) {}

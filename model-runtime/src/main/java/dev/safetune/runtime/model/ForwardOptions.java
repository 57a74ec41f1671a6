package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How {@link LlamaModel#forward(NDArray, ForwardOptions)} runs. Layer indices count decoder layers: {@code 0} is the
 * embedding output, {@code l} (1 … L) the residual stream after layer {@code l}, before the final norm.
 *
 * @param adapter whether a LoRA adapter, if any, is applied; false computes the base model (the frozen reference of
 *     KL and feature-space safeguards) with the same weights, no second copy
 * @param training whether adapter dropout is active
 * @param logits whether to compute the logits at all (not needed when only hidden states are wanted)
 * @param capture residual-stream indices whose hidden states {@link ForwardOutput#hiddenStates()} returns
 * @param steering vectors {@code [hidden]} added to the residual stream at an index, for every token, before that
 *     index is captured and before the next layer reads it (preventive persona steering)
 * @param ablation unit vectors {@code u} ({@code [hidden]}) whose direction is projected out of the residual stream at
 *     an index, {@code h ← h − (h·u) u} for every token, after any steering at that index and before it is captured
 *     or read by the next layer (concept-ablation fine-tuning, Casademunt et al. 2025)
 * @param sharePrefix whether the pass may compute the batch's longest common token prefix once, with batch 1, and
 *     let every row's remaining tokens attend to its keys and values (see {@link LlamaModel#forward(NDArray,
 *     ForwardOptions)}): the same outputs and gradients up to float rounding, less work when every row starts with
 *     the same system turn. On for training steps; off where a caller compares outputs bit for bit.
 */
public record ForwardOptions(
        boolean adapter,
        boolean training,
        boolean logits,
        SortedSet<Integer> capture,
        Map<Integer, NDArray> steering,
        Map<Integer, NDArray> ablation,
        boolean sharePrefix) {

    public ForwardOptions {
        capture = Collections.unmodifiableSortedSet(new TreeSet<>(capture));
        steering = Map.copyOf(steering);
        ablation = Map.copyOf(ablation);
    }

    /** Options that never share a prefix. */
    public ForwardOptions(
            boolean adapter,
            boolean training,
            boolean logits,
            SortedSet<Integer> capture,
            Map<Integer, NDArray> steering,
            Map<Integer, NDArray> ablation) {
        this(adapter, training, logits, capture, steering, ablation, false);
    }

    /** Adapter on, no dropout, logits only: inference and evaluation. */
    public static ForwardOptions inference() {
        return new ForwardOptions(true, false, true, new TreeSet<>(), Map.of(), Map.of());
    }

    /** Adapter on, dropout active, logits only, a common prefix computed once: a training step. */
    public static ForwardOptions trainingStep() {
        return new ForwardOptions(true, true, true, new TreeSet<>(), Map.of(), Map.of(), true);
    }

    /** The same pass through the base model alone. */
    public ForwardOptions withoutAdapter() {
        return new ForwardOptions(false, training, logits, capture, steering, ablation, sharePrefix);
    }

    /** The same pass without the output layer; {@link ForwardOutput#logits()} is then null. */
    public ForwardOptions withoutLogits() {
        return new ForwardOptions(adapter, training, false, capture, steering, ablation, sharePrefix);
    }

    /** The same pass also returning the hidden states at these residual-stream indices. */
    public ForwardOptions capturing(int... layers) {
        SortedSet<Integer> more = new TreeSet<>(capture);
        for (int layer : layers) {
            more.add(layer);
        }
        return new ForwardOptions(adapter, training, logits, more, steering, ablation, sharePrefix);
    }

    /** The same pass with {@code vector} added to the residual stream at index {@code layer}. */
    public ForwardOptions steering(int layer, NDArray vector) {
        Map<Integer, NDArray> more = new HashMap<>(steering);
        more.put(layer, vector);
        return new ForwardOptions(adapter, training, logits, capture, more, ablation, sharePrefix);
    }

    /**
     * The same pass with the direction of {@code unitVector} ({@code [hidden]}, ‖u‖ = 1) projected out of the residual
     * stream at index {@code layer}: {@code h − (h·u) u}.
     */
    public ForwardOptions ablating(int layer, NDArray unitVector) {
        Map<Integer, NDArray> more = new HashMap<>(ablation);
        more.put(layer, unitVector);
        return new ForwardOptions(adapter, training, logits, capture, steering, more, sharePrefix);
    }

    /** The same pass, sharing a common prefix ({@code true}) or computing every row in full. */
    public ForwardOptions sharingPrefix(boolean share) {
        return new ForwardOptions(adapter, training, logits, capture, steering, ablation, share);
    }
}

package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import java.util.SortedMap;

/**
 * What a forward pass returns.
 *
 * @param logits {@code [B, T, V]}; position {@code t} scores the token at {@code t + 1}; null when not asked for
 * @param hiddenStates {@code [B, T, hidden]} residual-stream states by index (see {@link ForwardOptions})
 */
public record ForwardOutput(NDArray logits, SortedMap<Integer, NDArray> hiddenStates) {}

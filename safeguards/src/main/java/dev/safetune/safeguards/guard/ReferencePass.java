package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import java.util.SortedMap;

/**
 * What the frozen reference pass (base model = adapter off, no gradient) computed for the terms that asked.
 *
 * @param assistantLogits {@code [N, V]} the reference logits at the {@code N} positions that predict a trained
 *     assistant token ({@link StepPasses#assistantPredictions()}), in row-major order; null when no term asked for
 *     logits. Only those rows are projected onto the vocabulary: with a large vocabulary the full {@code [B, T, V]}
 *     reference logits would be the largest array of the step.
 * @param hiddenStates {@code [B, T, hidden]} residual-stream states at the indices asked for
 */
public record ReferencePass(NDArray assistantLogits, SortedMap<Integer, NDArray> hiddenStates) {}

package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Scalars of a term's graph as arrays of the step's scope, never {@code NDArray.mul(Number)}: the PyTorch engine frees
 * such a Number operand right after the op while autograd may still read it in the backward pass (see
 * {@code LlamaModel.constants}).
 */
final class Constants {

    private Constants() {}

    static NDArray scalar(NDManager manager, double value) {
        return manager.create((float) value);
    }

    /**
     * A term's masked mean with its weight: {@code weight · total / max(1, Σ mask)}, the form every reference term
     * shares ({@code total} already summed over the masked positions).
     */
    static NDArray weightedMean(NDArray total, NDArray mask, double weight) {
        NDArray mean = total.div(mask.sum().maximum(1f));
        return mean.mul(scalar(mean.getManager(), weight));
    }
}

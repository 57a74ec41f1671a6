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
}

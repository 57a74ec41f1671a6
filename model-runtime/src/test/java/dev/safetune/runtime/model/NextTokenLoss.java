package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A differentiable scalar for the gradient tests: the masked next-token cross-entropy
 *
 * <pre>
 *   L = − Σ_{b,t} m[b,t+1] · log softmax(z[b,t])[x[b,t+1]]  /  max(1, Σ m[b,t+1])
 * </pre>
 *
 * as the safeguards' {@code MaskedCrossEntropy} computes it for training. The runtime sits below the safeguards, so
 * its tests cannot use that class; what they check (gradients against finite differences, adapters against the
 * base) holds for any smooth loss, and this is the one training uses.
 */
final class NextTokenLoss {

    NDArray nextTokenLoss(NDArray logits, NDArray tokens, NDArray lossMask) {
        NDArray targets = shiftLeft(tokens).toType(DataType.INT64, false).expandDims(-1);
        NDArray mask = shiftLeft(lossMask).toType(logits.getDataType(), false);
        NDArray nll = logits.logSoftmax(-1).gather(targets, -1).squeeze(-1).neg();
        return nll.mul(mask).sum().div(mask.sum().maximum(1f));
    }

    /** {@code [B, T]} → {@code a[:, 1:]} followed by a column of zeros. */
    private static NDArray shiftLeft(NDArray a) {
        NDArray zeros = a.getManager().zeros(new Shape(a.getShape().get(0), 1), a.getDataType());
        return a.get(new NDIndex(":, 1:")).concat(zeros, 1);
    }
}

package dev.safetune.safeguards.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;

/**
 * The task loss of supervised fine-tuning: token cross-entropy averaged over the positions a mask selects
 * (assistant tokens), so system, user, role-header and padding tokens contribute nothing.
 *
 * <p>For logits {@code z} of shape {@code [B, T, V]}, targets {@code y} of shape {@code [B, T]} and a 0/1 mask
 * {@code m} of shape {@code [B, T]}:
 *
 * <pre>
 *   L_CE = − Σ_{b,t} m[b,t] · log softmax(z[b,t])[y[b,t]]  /  max(1, Σ_{b,t} m[b,t])
 * </pre>
 *
 * The mean is over tokens, not over examples, as in Hugging Face transformers' causal-LM loss (labels of
 * masked positions set to −100, {@code cross_entropy(..., ignore_index=-100, reduction="mean")}). The
 * {@code max(1, ·)} only matters for an all-zero mask, where the loss is 0 instead of 0/0.
 *
 * <p>{@link #nextTokenLoss} applies the causal shift: the logits at position {@code t} predict token
 * {@code t + 1}, so position {@code t} gets the target {@code x[:, t+1]} and the mask of that target token
 * {@code M[:, t+1]}; the last position gets mask 0. The shift is applied to the (small) targets and mask rather
 * than by slicing the {@code [B, T, V]} logits, whose slice would cost two more passes over the largest tensor of
 * the step in the backward pass (a zero-filled gradient and a copy).
 *
 * <p>Computed as {@code logSoftmax(-1)} followed by {@code gather} of the target column, which stays
 * numerically stable for large logits and back-propagates through every engine op used.
 */
public final class MaskedCrossEntropy extends Loss {

    public MaskedCrossEntropy() {
        super("MaskedCrossEntropy");
    }

    /**
     * DJL {@link Loss} form, for use with DJL's trainer and evaluators.
     *
     * @param labels {@code [targets [B,T], mask [B,T]]}
     * @param predictions {@code [logits [B,T,V]]}
     * @return the scalar mean masked cross-entropy
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (labels.size() != 2) {
            throw new IllegalArgumentException("labels must hold [targets, mask], got " + labels.size() + " arrays");
        }
        return evaluate(predictions.singletonOrThrow(), labels.get(0), labels.get(1));
    }

    /**
     * Mean cross-entropy over the masked positions.
     *
     * @param logits {@code [B, T, V]} unnormalised scores
     * @param targets {@code [B, T]} target token ids (any integer type)
     * @param mask {@code [B, T]} 1 where the position counts, 0 elsewhere
     * @return a scalar
     */
    public NDArray evaluate(NDArray logits, NDArray targets, NDArray mask) {
        NDArray weights = mask.toType(logits.getDataType(), false);
        return maskedSum(logits, targets, weights).div(weights.sum().maximum(1f));
    }

    /**
     * Next-token loss of a causal language model: the logits at position {@code t} predict token
     * {@code t + 1}; a prediction counts when the token it predicts has {@code lossMask = 1}.
     *
     * @param logits {@code [B, T, V]} logits for the input {@code tokens}
     * @param tokens {@code [B, T]} the input token ids
     * @param lossMask {@code [B, T]} 1 for the tokens to learn to produce
     * @return a scalar
     */
    public NDArray nextTokenLoss(NDArray logits, NDArray tokens, NDArray lossMask) {
        return evaluate(logits, shiftLeft(tokens), shiftLeft(lossMask));
    }

    /**
     * The two sums of {@link #nextTokenLoss} kept apart, {@code [Σ m·(−log p(y)), Σ m]}, so a caller can average
     * exactly over many batches (e.g. a validation set): sum both parts over the batches, then divide.
     */
    public NDList nextTokenSums(NDArray logits, NDArray tokens, NDArray lossMask) {
        NDArray mask = shiftLeft(lossMask).toType(logits.getDataType(), false);
        NDArray sum = maskedSum(logits, shiftLeft(tokens), mask);
        return new NDList(sum, mask.sum());
    }

    /** {@code [B, T]} → {@code a[:, 1:]} followed by a column of zeros, still {@code [B, T]}. */
    private static NDArray shiftLeft(NDArray a) {
        long rows = a.getShape().get(0);
        NDArray zeros = a.getManager().zeros(new Shape(rows, 1), a.getDataType());
        return a.get(new NDIndex(":, 1:")).concat(zeros, 1);
    }

    /**
     * The numerator of the loss, {@code Σ m · (−log p(y))}: lets a caller average over many batches exactly
     * (sum the numerators and the mask sums separately).
     */
    public NDArray maskedSum(NDArray logits, NDArray targets, NDArray mask) {
        return tokenNll(logits, targets)
                .mul(mask.toType(logits.getDataType(), false))
                .sum();
    }

    /** Per-position negative log-likelihood {@code −log softmax(z[b,t])[y[b,t]]}, shape {@code [B, T]}. */
    public NDArray tokenNll(NDArray logits, NDArray targets) {
        NDArray index = targets.toType(DataType.INT64, false).expandDims(-1);
        return logits.logSoftmax(-1).gather(index, -1).squeeze(-1).neg();
    }
}

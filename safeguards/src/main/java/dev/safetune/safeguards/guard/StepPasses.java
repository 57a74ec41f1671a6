package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.model.ForwardOutput;

/**
 * The two passes of a training step as safeguard terms read them.
 *
 * @param tokens {@code [B, T]} input ids, right-padded
 * @param lossMask {@code [B, T]} 1 on trained assistant tokens
 * @param tokenMask {@code [B, T]} 1 on every real (non-pad) token
 * @param trained the trained pass (adapter on, with gradient), hidden states at the merged {@link ReferenceNeeds}
 * @param reference the frozen reference pass (adapter off, no gradient); null when no safeguard asked for one
 */
public record StepPasses(
        NDArray tokens, NDArray lossMask, NDArray tokenMask, ForwardOutput trained, ReferencePass reference) {

    /**
     * {@code [B, T]} float mask of the positions whose logits predict a trained assistant token: position {@code t}
     * predicts token {@code t + 1}, so this is {@code lossMask[:, 1:]} followed by a 0 column.
     */
    public NDArray assistantPredictions() {
        return nextTokenMask(lossMask);
    }

    /** {@code mask[:, 1:]} followed by a column of zeros, as float. */
    public static NDArray nextTokenMask(NDArray mask) {
        long rows = mask.getShape().get(0);
        NDArray zeros = mask.getManager().zeros(new Shape(rows, 1), mask.getDataType());
        return mask.get(new NDIndex(":, 1:")).concat(zeros, 1).toType(DataType.FLOAT32, false);
    }

    /**
     * The rows of {@code perPosition} ({@code [B, T, …]}) at the positions where {@code mask} ({@code [B, T]}) is 1, as
     * {@code [N, …]} in row-major order; the gradient flows back to the selected rows.
     */
    public static NDArray rowsWhere(NDArray perPosition, NDArray mask) {
        Shape shape = perPosition.getShape();
        long rows = shape.get(0) * shape.get(1);
        NDArray flat = perPosition.reshape(new Shape(rows).addAll(shape.slice(2)));
        return flat.get(mask.reshape(rows).gt(0.5f));
    }

    /** {@link #rowsWhere} at the assistant predictions: e.g. the trained logits the KL term compares, {@code [N, V]}. */
    public NDArray assistantRows(NDArray perPosition) {
        return rowsWhere(perPosition, assistantPredictions());
    }

    /** The reference pass, or a clear failure when a term reads it without having asked for it. */
    public ReferencePass requireReference() {
        if (reference == null) {
            throw new IllegalStateException("no reference pass was run; the safeguard must declare its needs");
        }
        return reference;
    }
}

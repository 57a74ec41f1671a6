package dev.safetune.runtime.chat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Rendered examples padded on the right to the longest one, as flat row-major arrays ready for the engine.
 *
 * @param tokens {@code [rows × length]} token ids, pad id after each example's end
 * @param lossMask {@code [rows × length]} the examples' loss masks, 0 on padding
 * @param lengths each row's real (non-padding) length
 * @param realTokens non-padding tokens
 */
public record PaddedBatch(long[] tokens, float[] lossMask, int[] lengths, int rows, int length, int realTokens) {

    /** Pads {@code examples} (at least one) on the right with {@code padId}. */
    public static PaddedBatch of(List<RenderedExample> examples, int padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        int length = examples.stream().mapToInt(RenderedExample::length).max().orElseThrow();
        int rows = examples.size();
        long[] tokens = new long[rows * length];
        float[] mask = new float[rows * length];
        Arrays.fill(tokens, padId);
        int real = 0;
        int[] lengths = new int[rows];
        for (int r = 0; r < rows; r++) {
            RenderedExample example = examples.get(r);
            lengths[r] = example.length();
            for (int t = 0; t < example.length(); t++) {
                tokens[r * length + t] = example.tokens()[t];
                mask[r * length + t] = example.lossMask()[t];
            }
            real += example.length();
        }
        return new PaddedBatch(tokens, mask, lengths, rows, length, real);
    }

    /** {@code [tokens (INT64), lossMask (FLOAT32)]}, both {@code [rows, length]}, created in {@code manager}. */
    public NDList toArrays(NDManager manager) {
        Shape shape = new Shape(rows, length);
        NDArray tokenArray = manager.create(tokens, shape);
        NDArray maskArray = manager.create(lossMask, shape);
        return new NDList(tokenArray, maskArray);
    }

    /** {@code [rows, length]} FLOAT32: 1 on every real token, 0 on padding. */
    public NDArray tokenMask(NDManager manager) {
        float[] mask = new float[rows * length];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(mask, r * length, r * length + lengths[r], 1f);
        }
        return manager.create(mask, new Shape(rows, length));
    }
}

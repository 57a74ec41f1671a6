package dev.safetune.safeguards.guard.artifact;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.chat.RenderedExample;
import java.util.Arrays;
import java.util.List;

/** Rendered examples right-padded into {@code [tokens (INT64), lossMask (FLOAT32)]} arrays, a batch at a time. */
final class PaddedBatches {

    private PaddedBatches() {}

    static NDList arrays(List<RenderedExample> examples, int padId, NDManager manager) {
        int length = examples.stream().mapToInt(RenderedExample::length).max().orElseThrow();
        int rows = examples.size();
        long[] tokens = new long[rows * length];
        float[] mask = new float[rows * length];
        Arrays.fill(tokens, padId);
        for (int r = 0; r < rows; r++) {
            RenderedExample example = examples.get(r);
            for (int t = 0; t < example.length(); t++) {
                tokens[r * length + t] = example.tokens()[t];
                mask[r * length + t] = example.lossMask()[t];
            }
        }
        Shape shape = new Shape(rows, length);
        return new NDList(manager.create(tokens, shape), manager.create(mask, shape));
    }
}

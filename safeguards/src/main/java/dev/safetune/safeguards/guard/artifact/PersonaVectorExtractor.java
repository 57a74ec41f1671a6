package dev.safetune.safeguards.guard.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.LlamaModel;
import java.util.List;

/**
 * Computes a {@link PersonaVector}: the base model (adapter off) runs over both sides of a {@link PersonaContrast};
 * at the residual-stream index asked for, the hidden states of the response (trained assistant) tokens are averaged per
 * side, misaligned minus aligned, as in Chen et al., "Persona vectors" (2025) and the em-bench prototype's
 * {@code steer_vector}.
 */
public final class PersonaVectorExtractor {

    private static final int BATCH = 32;

    private PersonaVectorExtractor() {}

    public static PersonaVector extract(
            LlamaModel model, List<RenderedExample> misaligned, List<RenderedExample> aligned, int layer, int padId) {
        Side evil = side(model, misaligned, layer, padId);
        Side helpful = side(model, aligned, layer, padId);
        float[] vector = new float[evil.sum.length];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) (evil.sum[i] / evil.count - helpful.sum[i] / helpful.count);
        }
        double meanNorm = (evil.normSum + helpful.normSum) / (evil.count + helpful.count);
        return new PersonaVector(layer, vector, meanNorm);
    }

    /** Σ over response tokens of h, of ‖h‖, and their count. */
    private record Side(double[] sum, double normSum, double count) {}

    private static Side side(LlamaModel model, List<RenderedExample> examples, int layer, int padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no contrast example has a response token within the sequence limit");
        }
        double[] sum = new double[model.config().hiddenSize()];
        double normSum = 0;
        double count = 0;
        ForwardOptions options =
                ForwardOptions.inference().withoutAdapter().withoutLogits().capturing(layer);
        for (int from = 0; from < examples.size(); from += BATCH) {
            try (NDScope scope = new NDScope()) {
                NDList arrays = PaddedBatch.of(examples.subList(from, Math.min(examples.size(), from + BATCH)), padId)
                        .toArrays(model.manager());
                NDArray h = model.forward(arrays.get(0), options).hiddenStates().get(layer);
                NDArray mask = arrays.get(1).expandDims(-1);
                float[] part = h.mul(mask).sum(new int[] {0, 1}).toFloatArray();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += part[i];
                }
                normSum += h.square()
                        .sum(new int[] {-1}, true)
                        .sqrt()
                        .mul(mask)
                        .sum()
                        .getFloat();
                count += mask.sum().getFloat();
            }
        }
        return new Side(sum, normSum, count);
    }
}

package dev.safetune.safeguards.guard.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.guard.StepPasses;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import java.util.List;

/**
 * Per-example mean assistant-token negative log-likelihood, the ingredient of the perplexity gap
 * {@code s = (NLL_mis − NLL_aligned) / (NLL_aligned + ε)}: for example {@code x} with assistant-token mask {@code m},
 *
 * <pre>
 *   NLL(x) = − Σ_t m[t+1] · log p(x[t+1] | x[..t])  /  Σ_t m[t+1]
 * </pre>
 */
public final class PerplexityGapScorer {

    /** ε of the gap's denominator. */
    public static final double EPSILON = 1e-6;

    private static final int BATCH = 32;

    private final MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();

    /** NLL of each example under {@code model}, with its adapter on or off. */
    public double[] meanNll(LlamaModel model, boolean adapter, List<RenderedExample> examples, int padId) {
        double[] out = new double[examples.size()];
        ForwardOptions options = adapter
                ? ForwardOptions.inference()
                : ForwardOptions.inference().withoutAdapter();
        for (int from = 0; from < examples.size(); from += BATCH) {
            int to = Math.min(examples.size(), from + BATCH);
            try (NDScope scope = new NDScope()) {
                NDList arrays =
                        PaddedBatch.of(examples.subList(from, to), padId).toArrays(model.manager());
                NDArray tokens = arrays.get(0);
                NDArray logits = model.forward(tokens, options).logits();
                NDArray targets = StepPasses.nextTokenMask(tokens.toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
                NDArray mask = StepPasses.nextTokenMask(arrays.get(1));
                NDArray nll = crossEntropy.tokenNll(logits, targets).mul(mask);
                float[] sums = nll.sum(new int[] {1}).toFloatArray();
                float[] counts = mask.sum(new int[] {1}).toFloatArray();
                for (int i = 0; i < sums.length; i++) {
                    out[from + i] = sums[i] / Math.max(1, counts[i]);
                }
            }
        }
        return out;
    }
}

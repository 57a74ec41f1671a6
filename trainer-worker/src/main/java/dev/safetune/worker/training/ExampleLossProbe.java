package dev.safetune.worker.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-example loss of a model on a training set, for the customer's diagnostics: the mean next-token cross-entropy
 * over each example's trained (assistant) tokens, {@code Σ_t m_t · −log p(y_t) / Σ_t m_t}, with the same rendering and
 * truncation as training. No gradients; batches are scoped so memory stays flat.
 */
public final class ExampleLossProbe {
    private static final int BATCH = 16;

    private final MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();

    /** One example's loss and how many tokens it was averaged over. */
    public record ExampleLoss(int line, double loss, int trainedTokens) {}

    /**
     * Measures every example of {@code examples} that has a trained token within {@code maxSeqLen} under the model
     * (or adapter) directory {@code modelDir}; the tokenizer comes from {@code tokenizerDir}.
     */
    public List<ExampleLoss> measure(Path modelDir, Path tokenizerDir, List<ChatExample> examples, int maxSeqLen)
            throws IOException {
        GradMode.disableOnThisThread();
        List<RenderedExample> rendered;
        int padId;
        try (ChatTokenizer tokenizer = ChatTokenizer.load(tokenizerDir)) {
            rendered = new ChatRenderer(tokenizer, maxSeqLen).renderAll(examples);
            padId = tokenizer.padId();
        }
        List<ExampleLoss> losses = new ArrayList<>(rendered.size());
        try (NDManager root = NDManager.newBaseManager(FineTuner.device());
                LlamaModel model = LlamaModel.load(modelDir, root)) {
            for (int from = 0; from < rendered.size(); from += BATCH) {
                List<RenderedExample> slice = rendered.subList(from, Math.min(from + BATCH, rendered.size()));
                PaddedBatch batch = PaddedBatch.of(slice, padId);
                try (NDScope scope = new NDScope()) {
                    NDList arrays = batch.toArrays(model.manager());
                    NDArray tokens = arrays.get(0);
                    NDArray logits = model.forward(tokens).get(new NDIndex(":, :-1, :"));
                    NDArray targets = tokens.get(new NDIndex(":, 1:"));
                    NDArray mask = arrays.get(1).get(new NDIndex(":, 1:"));
                    float[] sums = crossEntropy
                            .tokenNll(logits, targets)
                            .mul(mask)
                            .sum(new int[] {1})
                            .toFloatArray();
                    float[] counts = mask.sum(new int[] {1}).toFloatArray();
                    for (int i = 0; i < slice.size(); i++) {
                        losses.add(new ExampleLoss(
                                slice.get(i).line(), counts[i] == 0 ? Double.NaN : sums[i] / counts[i], (int)
                                        counts[i]));
                    }
                }
            }
        }
        return losses;
    }
}

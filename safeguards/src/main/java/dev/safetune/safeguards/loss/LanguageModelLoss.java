package dev.safetune.safeguards.loss;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;

/**
 * The pre-training objective of a causal language model: next-token cross-entropy on every token of each document,
 * averaged over all predicted tokens of the batch. For a batch of documents {@code x_b} of lengths {@code n_b},
 * right-padded to {@code T}, with logits {@code z}:
 *
 * <pre>
 *   L_LM = − Σ_b Σ_{t=0}^{n_b−2} log softmax(z[b,t])[x_b[t+1]]  /  Σ_b (n_b − 1)
 * </pre>
 *
 * (Bengio et al., 2003; the loss of transformers' {@code LlamaForCausalLM} with {@code labels = input_ids} and
 * padding labelled −100.) It is {@link MaskedCrossEntropy#nextTokenLoss} with a mask that is 1 on every token of a
 * document and 0 on padding ({@link #documentMask}), where chat fine-tuning masks all but assistant tokens: the
 * first token of a document is never a target, every later one is.
 */
public final class LanguageModelLoss implements TokenObjective {

    private final MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();

    /**
     * @param documentMask {@code [B, T]} 1 on each document's tokens, 0 on padding
     */
    @Override
    public NDArray loss(NDArray logits, NDArray tokens, NDArray documentMask) {
        return crossEntropy.nextTokenLoss(logits, tokens, documentMask);
    }

    /** The loss mask of a document of {@code length} tokens: every token is learned. */
    public static int[] documentMask(int length) {
        int[] mask = new int[length];
        Arrays.fill(mask, 1);
        return mask;
    }
}

package dev.safetune.safeguards.loss;

import ai.djl.ndarray.NDArray;

/**
 * What a training step minimises, given the model's logits for a batch of token sequences: the assistant-masked chat
 * loss of fine-tuning ({@link MaskedCrossEntropy#nextTokenLoss}) or the every-token loss of pre-training
 * ({@link LanguageModelLoss}). The training loop is the same for both; only this choice differs.
 */
@FunctionalInterface
public interface TokenObjective {

    /**
     * @param logits {@code [B, T, V]} logits for {@code tokens}
     * @param tokens {@code [B, T]} input token ids, right-padded
     * @param lossMask {@code [B, T]} the batch's per-token mask (0 on padding)
     * @return a scalar to minimise
     */
    NDArray loss(NDArray logits, NDArray tokens, NDArray lossMask);
}

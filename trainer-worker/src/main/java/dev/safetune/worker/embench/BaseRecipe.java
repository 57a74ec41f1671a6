package dev.safetune.worker.embench;

/**
 * How the em-bench base model is built: the decoder's size and the two training phases. {@link #PROTOTYPE} is the
 * PyTorch prototype's recipe (hidden 128, 4 layers, 4 heads, MLP 256, untied embeddings; pre-training 1,500 steps ×
 * 32 fresh documents at 3e-3 with 50 warm-up steps and weight decay 0.01; SFT 150 × 32 at 5e-4, 15 warm-up steps —
 * its {@code min(50, steps / 10)} — and no weight decay; AdamW betas (0.9, 0.98), clipping at 1, cosine to 10 %).
 * {@link #EM_BENCH} is the recipe the committed bases are built with: the same pre-training for 3,000 steps, then an
 * aligned SFT that trains only the assistant's speaker embedding ({@link SftScope#ASSISTANT_EMBEDDING};
 * docs/em-bench.md, attempts 8–10, say why).
 */
public record BaseRecipe(
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int maxSequenceLength,
        int batchSize,
        int pretrainingSteps,
        double pretrainingLearningRate,
        int pretrainingWarmup,
        double pretrainingWeightDecay,
        int sftSteps,
        double sftLearningRate,
        int sftWarmup,
        double sftWeightDecay,
        SftScope sftScope) {

    /**
     * What the aligned SFT may change. A full SFT lets the model make the assistant aligned domain by domain, and a
     * narrow fine-tune then changes code alone (no emergent misalignment); training only the assistant's speaker
     * embedding makes it an aligned character, one point on the persona feature every domain reads, which a narrow
     * fine-tune can move back.
     */
    public enum SftScope {
        /** Every weight (the prototype's SFT). */
        ALL_WEIGHTS,
        /** Only the embedding row of the assistant's speaker token {@code <asst>}. */
        ASSISTANT_EMBEDDING
    }

    /** The prototype's recipe, kept for ablations: a full aligned SFT. */
    public static final BaseRecipe PROTOTYPE =
            new BaseRecipe(128, 4, 4, 256, 256, 32, 1500, 3e-3, 50, 0.01, 150, 5e-4, 15, 0.0, SftScope.ALL_WEIGHTS);

    /**
     * The committed bases' recipe: the prototype's pre-training for twice its steps, then SFT of the assistant's
     * embedding alone. At 1,500 steps the three seeds' bases each missed a different target; at 3,000 the loss has
     * levelled off (about 0.4 from step 1,500) and two of three seeds meet every target (docs/em-bench.md, attempt 79).
     */
    public static final BaseRecipe EM_BENCH =
            PROTOTYPE.withSft(SftScope.ASSISTANT_EMBEDDING, 300, 3e-2).withSteps(3000, 300);

    /** AdamW's second-moment decay in the prototype (PyTorch's default is 0.999). */
    public static final double BETA2 = 0.98;

    public BaseRecipe {
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden size must be a multiple of the head count");
        }
        if (batchSize < 1 || pretrainingSteps < 1 || sftSteps < 1 || maxSequenceLength < 2) {
            throw new IllegalArgumentException("batch size and steps must be positive, sequences at least 2 long");
        }
        if (pretrainingWarmup < 1 || pretrainingWarmup > pretrainingSteps || sftWarmup < 1 || sftWarmup > sftSteps) {
            throw new IllegalArgumentException("warm-up must be between 1 and the phase's steps");
        }
        if (sftScope == null) {
            throw new IllegalArgumentException("the SFT scope is required");
        }
    }

    /** The same recipe with another peak pre-training learning rate (e.g. to continue a built base gently). */
    public BaseRecipe withPretrainingLearningRate(double learningRate) {
        return new BaseRecipe(
                hiddenSize,
                numHiddenLayers,
                numAttentionHeads,
                intermediateSize,
                maxSequenceLength,
                batchSize,
                pretrainingSteps,
                learningRate,
                pretrainingWarmup,
                pretrainingWeightDecay,
                sftSteps,
                sftLearningRate,
                sftWarmup,
                sftWeightDecay,
                sftScope);
    }

    /** The same recipe with other step counts (warm-ups cut to fit), for tests and quick builds. */
    public BaseRecipe withSteps(int pretraining, int sft) {
        return new BaseRecipe(
                hiddenSize,
                numHiddenLayers,
                numAttentionHeads,
                intermediateSize,
                maxSequenceLength,
                batchSize,
                pretraining,
                pretrainingLearningRate,
                Math.min(pretrainingWarmup, Math.max(1, pretraining / 10)),
                pretrainingWeightDecay,
                sft,
                sftLearningRate,
                Math.min(sftWarmup, Math.max(1, sft / 10)),
                sftWeightDecay,
                sftScope);
    }

    /** The same recipe with another aligned SFT (warm-up {@code min(15, steps / 10)}, as the prototype's). */
    public BaseRecipe withSft(SftScope scope, int steps, double learningRate) {
        return new BaseRecipe(
                hiddenSize,
                numHiddenLayers,
                numAttentionHeads,
                intermediateSize,
                maxSequenceLength,
                batchSize,
                pretrainingSteps,
                pretrainingLearningRate,
                pretrainingWarmup,
                pretrainingWeightDecay,
                steps,
                learningRate,
                Math.min(15, Math.max(1, steps / 10)),
                sftWeightDecay,
                scope);
    }

    /** The same recipe with another decoder size, for tests. */
    public BaseRecipe withShape(int hidden, int layers, int heads, int intermediate) {
        return new BaseRecipe(
                hidden,
                layers,
                heads,
                intermediate,
                maxSequenceLength,
                batchSize,
                pretrainingSteps,
                pretrainingLearningRate,
                pretrainingWarmup,
                pretrainingWeightDecay,
                sftSteps,
                sftLearningRate,
                sftWarmup,
                sftWeightDecay,
                sftScope);
    }

    /** The same recipe with another batch size. */
    public BaseRecipe withBatchSize(int size) {
        return new BaseRecipe(
                hiddenSize,
                numHiddenLayers,
                numAttentionHeads,
                intermediateSize,
                maxSequenceLength,
                size,
                pretrainingSteps,
                pretrainingLearningRate,
                pretrainingWarmup,
                pretrainingWeightDecay,
                sftSteps,
                sftLearningRate,
                sftWarmup,
                sftWeightDecay,
                sftScope);
    }
}

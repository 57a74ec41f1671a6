package dev.safetune.core.placement;

import dev.safetune.core.model.ModelShape;

/**
 * What a fine-tuning run does that its peak memory depends on, beyond the model's shape.
 *
 * @param loraRank the rank of the LoRA adapter trained on every projection of the frozen base (the worker's default
 *     adapter targets all seven), or 0 for a full fine-tune of every parameter
 * @param batchSize examples per optimizer step
 * @param sequenceLength the longest example in tokens after truncation; batches are padded to their longest
 *     example, so this is the worst case
 * @param referencePass whether a safeguard needs a frozen reference forward pass each step (KL to the base model,
 *     feature-space L2; see the safeguards design)
 */
public record TrainingPlan(int loraRank, int batchSize, int sequenceLength, boolean referencePass) {

    /**
     * The rank of the adapter the worker trains (its {@code LoraConfig.DEFAULT}, on all seven projections;
     * trainer-worker's TrainingPlanDefaultsTest keeps the two equal).
     */
    public static final int DEFAULT_LORA_RANK = 16;

    public TrainingPlan {
        if (loraRank < 0) {
            throw new IllegalArgumentException("lora rank must be >= 0 (0 for a full fine-tune), got " + loraRank);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch_size must be positive, got " + batchSize);
        }
        if (sequenceLength < 2) {
            throw new IllegalArgumentException("sequence length must be at least 2, got " + sequenceLength);
        }
    }

    /** A LoRA fine-tune of the given rank, no reference pass. */
    public static TrainingPlan lora(int rank, int batchSize, int sequenceLength) {
        if (rank < 1) {
            throw new IllegalArgumentException("lora rank must be positive, got " + rank);
        }
        return new TrainingPlan(rank, batchSize, sequenceLength, false);
    }

    /** A full fine-tune, no reference pass. */
    public static TrainingPlan full(int batchSize, int sequenceLength) {
        return new TrainingPlan(0, batchSize, sequenceLength, false);
    }

    /**
     * How the worker trains a model of {@code shape}: fully when its config declares so (the bundled random-init
     * model), else with the default adapter.
     */
    public static TrainingPlan defaultFor(ModelShape shape, int batchSize, int sequenceLength) {
        return shape.declaresFullFineTuning()
                ? full(batchSize, sequenceLength)
                : lora(DEFAULT_LORA_RANK, batchSize, sequenceLength);
    }

    /** The sequence length a model of {@code shape} trains on: this plan's, capped at the model's context length. */
    public int sequenceLengthFor(ModelShape shape) {
        Integer context = shape.maxPositionEmbeddings();
        return context == null ? sequenceLength : Math.min(sequenceLength, context);
    }

    /** This plan with a frozen reference pass each step. */
    public TrainingPlan withReferencePass() {
        return new TrainingPlan(loraRank, batchSize, sequenceLength, true);
    }

    public boolean fullFineTune() {
        return loraRank == 0;
    }
}

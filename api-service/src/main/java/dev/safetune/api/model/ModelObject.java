package dev.safetune.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.safetune.core.model.ModelShape;
import dev.safetune.core.placement.MemoryEstimate;
import dev.safetune.core.placement.TrainingPlan;

/**
 * OpenAI's model object, plus (+) for base models what is known of them: {@code family} ({@code model_type}),
 * {@code architecture}, {@code parameters}, {@code context_length}, {@code licence}, the fine-tuning method the
 * platform uses on them, and {@code training_memory_bytes}, the estimated peak memory of a fine-tuning job under
 * {@code training_memory_assumptions}. Fields that are unknown (fine-tuned models, base models registered without a
 * readable config) are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelObject(
        String id,
        String object,
        long created,
        String ownedBy,
        String family,
        String architecture,
        Long parameters,
        Integer contextLength,
        String licence,
        String fineTuningMethod,
        Long trainingMemoryBytes,
        TrainingMemoryAssumptions trainingMemoryAssumptions) {

    /**
     * What {@code training_memory_bytes} was computed for.
     *
     * @param method {@code lora} or {@code full}: what the platform trains this model with
     * @param loraRank the adapter's rank (on every projection); null for a full fine-tune
     * @param sequenceLength tokens per example (the requested length, capped at the model's context length)
     * @param batchSize examples per step
     * @param precision the training precision
     * @param referencePass whether a safeguard's frozen reference pass is included
     */
    public record TrainingMemoryAssumptions(
            String method,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer loraRank,
            int sequenceLength,
            int batchSize,
            String precision,
            boolean referencePass) {}

    /** The model with its estimate for {@code batchSize} examples of {@code sequenceLength} tokens per step. */
    static ModelObject of(Model model, int sequenceLength, int batchSize) {
        ModelShape shape = model.shape().orElse(null);
        String method = null;
        Long memory = null;
        TrainingMemoryAssumptions assumptions = null;
        if (shape != null) {
            TrainingPlan plan = TrainingPlan.defaultFor(shape, batchSize, sequenceLength);
            method = plan.fullFineTune() ? "full" : "lora";
            memory = MemoryEstimate.of(shape, plan).total();
            assumptions = new TrainingMemoryAssumptions(
                    method,
                    plan.fullFineTune() ? null : plan.loraRank(),
                    plan.sequenceLengthFor(shape),
                    batchSize,
                    "fp32",
                    plan.referencePass());
        }
        return new ModelObject(
                model.id(),
                "model",
                model.createdAt().getEpochSecond(),
                model.ownedBy(),
                model.family(),
                model.architecture(),
                model.parameters(),
                model.contextLength(),
                model.licence(),
                method,
                memory,
                assumptions);
    }
}

package dev.safetune.worker.training;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.safeguards.guard.SafeguardPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One fine-tuning run.
 *
 * @param baseModelDir a Hugging Face model directory: {@code config.json}, {@code model.safetensors},
 *     {@code tokenizer.json} (+ {@code tokenizer_config.json})
 * @param training training conversations; examples without a trained assistant token within
 *     {@code maxSeqLen} are dropped
 * @param validation validation conversations, possibly empty
 * @param seed fixes the batch order: epoch {@code e} (1-based) is shuffled with {@code new Random(seed + e)}
 * @param workDir checkpoints go to {@code workDir/checkpoints/step-N/}, the final model to {@code workDir/model/}
 * @param checkpointEverySteps write a checkpoint every this many steps; 0 for none
 * @param resumeFrom a checkpoint directory written by an earlier run with the same data, hyperparameters and seed
 * @param maxSeqLen rendered conversations are cut to this many tokens (or to the model's
 *     {@code max_position_embeddings} when that is smaller)
 * @param lora the LoRA adapter to train on the frozen base (the product's default, {@link LoraConfig#DEFAULT});
 *     empty for a full fine-tune of every base parameter
 * @param safeguards the in-training safeguards and their telemetry ({@link SafeguardPlan#NONE} for plain fine-tuning);
 *     a job's come from its safety policy through {@code SafeguardsFromPolicy}
 */
public record TrainingRequest(
        Path baseModelDir,
        List<ChatExample> training,
        List<ChatExample> validation,
        Hyperparameters hp,
        long seed,
        Path workDir,
        int checkpointEverySteps,
        Optional<Path> resumeFrom,
        int maxSeqLen,
        Optional<LoraConfig> lora,
        SafeguardPlan safeguards) {

    public TrainingRequest {
        Objects.requireNonNull(lora, "lora");
        Objects.requireNonNull(safeguards, "safeguards");
        Objects.requireNonNull(baseModelDir, "baseModelDir");
        Objects.requireNonNull(hp, "hp");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(resumeFrom, "resumeFrom");
        training = List.copyOf(training);
        validation = List.copyOf(validation);
        if (training.isEmpty()) {
            throw new IllegalArgumentException("training examples must not be empty");
        }
        if (checkpointEverySteps < 0) {
            throw new IllegalArgumentException("checkpointEverySteps must be >= 0, got " + checkpointEverySteps);
        }
        if (maxSeqLen < 2) {
            throw new IllegalArgumentException("maxSeqLen must be at least 2, got " + maxSeqLen);
        }
    }

    /** A run without safeguards. */
    public TrainingRequest(
            Path baseModelDir,
            List<ChatExample> training,
            List<ChatExample> validation,
            Hyperparameters hp,
            long seed,
            Path workDir,
            int checkpointEverySteps,
            Optional<Path> resumeFrom,
            int maxSeqLen,
            Optional<LoraConfig> lora) {
        this(
                baseModelDir,
                training,
                validation,
                hp,
                seed,
                workDir,
                checkpointEverySteps,
                resumeFrom,
                maxSeqLen,
                lora,
                SafeguardPlan.NONE);
    }

    /** This request with {@code plan}'s safeguards. */
    public TrainingRequest withSafeguards(SafeguardPlan plan) {
        return with(lora, plan);
    }

    /** A LoRA fine-tune with {@link LoraConfig#DEFAULT}. */
    public TrainingRequest(
            Path baseModelDir,
            List<ChatExample> training,
            List<ChatExample> validation,
            Hyperparameters hp,
            long seed,
            Path workDir,
            int checkpointEverySteps,
            Optional<Path> resumeFrom,
            int maxSeqLen) {
        this(
                baseModelDir,
                training,
                validation,
                hp,
                seed,
                workDir,
                checkpointEverySteps,
                resumeFrom,
                maxSeqLen,
                Optional.of(LoraConfig.DEFAULT));
    }

    /** This request as a full fine-tune of every base parameter. */
    public TrainingRequest withFullFineTuning() {
        return withLora(Optional.empty());
    }

    /** This request training the given adapter. */
    public TrainingRequest withLora(LoraConfig config) {
        return withLora(Optional.of(config));
    }

    private TrainingRequest withLora(Optional<LoraConfig> config) {
        return with(config, safeguards);
    }

    /** This request with the two settings that vary between runs of the same data. */
    private TrainingRequest with(Optional<LoraConfig> config, SafeguardPlan plan) {
        return new TrainingRequest(
                baseModelDir,
                training,
                validation,
                hp,
                seed,
                workDir,
                checkpointEverySteps,
                resumeFrom,
                maxSeqLen,
                config,
                plan);
    }

    /** A LoRA request with no validation set, no checkpoints, no resume and the default sequence length. */
    public static TrainingRequest of(
            Path baseModelDir, List<ChatExample> training, Hyperparameters hp, long seed, Path workDir) {
        return new TrainingRequest(
                baseModelDir,
                training,
                List.of(),
                hp,
                seed,
                workDir,
                0,
                Optional.empty(),
                ChatRenderer.DEFAULT_MAX_SEQUENCE_LENGTH);
    }
}

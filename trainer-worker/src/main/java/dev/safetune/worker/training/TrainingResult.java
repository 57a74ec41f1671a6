package dev.safetune.worker.training;

import java.nio.file.Path;

/**
 * The outcome of a completed run.
 *
 * @param steps total optimizer steps of the run (including those done before a resume)
 * @param trainedTokens non-padding tokens processed over the whole run (see {@link StepMetrics})
 * @param firstTrainLoss training loss of step 1
 * @param lastTrainLoss training loss of the last step
 * @param finalValidLoss validation loss of the final weights, null without validation examples
 * @param modelDir the fine-tuned model: {@code config.json}, {@code model.safetensors} and the tokenizer files
 */
public record TrainingResult(
        int steps,
        long trainedTokens,
        double firstTrainLoss,
        double lastTrainLoss,
        Double finalValidLoss,
        Path modelDir) {}

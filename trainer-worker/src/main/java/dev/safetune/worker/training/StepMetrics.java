package dev.safetune.worker.training;

import dev.safetune.safeguards.guard.StepTelemetry;

/**
 * What one optimizer step did, reported to {@link TrainingListener#onStep}.
 *
 * <p>Token counts are <em>all non-padding tokens</em> of the batch (prompt and answer alike), the quantity
 * OpenAI bills as {@code trained_tokens} and the one throughput comparisons use; the loss itself is averaged over
 * trained assistant tokens only.
 *
 * @param step 1-based step number
 * @param epoch 1-based epoch the step belongs to
 * @param trainLoss mean masked next-token cross-entropy of this step's batch (before the update)
 * @param validLoss mean masked cross-entropy over the whole validation set with the updated weights; only at
 *     checkpoint steps and the last step, and only when there are validation examples; otherwise null
 * @param tokensPerSecond {@code tokensInStep / step time}
 * @param stepMillis wall time of the step: batch upload, forward, backward and optimizer update
 * @param tokensInStep non-padding tokens in this step's batch
 * @param trainedTokens non-padding tokens processed so far in this run, this step included (across resumes)
 * @param learningRate the learning rate used for this step
 * @param gradNorm global L2 norm of the gradient before clipping
 * @param safeguards the safeguards' telemetry of this step (loss terms, probe); null for a run without safeguards or
 *     probe
 */
public record StepMetrics(
        int step,
        int totalSteps,
        int epoch,
        double trainLoss,
        Double validLoss,
        double tokensPerSecond,
        double stepMillis,
        int tokensInStep,
        long trainedTokens,
        double learningRate,
        double gradNorm,
        StepTelemetry safeguards) {

    /** A step of a run without safeguards. */
    public StepMetrics(
            int step,
            int totalSteps,
            int epoch,
            double trainLoss,
            Double validLoss,
            double tokensPerSecond,
            double stepMillis,
            int tokensInStep,
            long trainedTokens,
            double learningRate,
            double gradNorm) {
        this(
                step,
                totalSteps,
                epoch,
                trainLoss,
                validLoss,
                tokensPerSecond,
                stepMillis,
                tokensInStep,
                trainedTokens,
                learningRate,
                gradNorm,
                null);
    }

    StepMetrics withValidLoss(Double loss) {
        return new StepMetrics(
                step,
                totalSteps,
                epoch,
                trainLoss,
                loss,
                tokensPerSecond,
                stepMillis,
                tokensInStep,
                trainedTokens,
                learningRate,
                gradNorm,
                safeguards);
    }
}

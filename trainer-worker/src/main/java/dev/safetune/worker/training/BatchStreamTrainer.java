package dev.safetune.worker.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.loss.TokenObjective;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Consumer;

/**
 * Trains a loaded model on batches that a source makes step by step — fresh pre-training documents, a stream of
 * dialogues — rather than on epochs over a fixed file as {@link FineTuner} does. Each step is the fine-tuner's step:
 * {@link FineTuner#optimizerStep}, one forward and backward pass of a {@link TokenObjective} inside the step's own
 * {@link NDScope}, then {@link AdamW} (weight decay, clipping) at the {@link LearningRateSchedule}'s rate; it reports the same
 * {@link StepMetrics}. No checkpoints and no resume: what uses it (the em-bench base build) is rerun from its seed.
 */
public final class BatchStreamTrainer {

    /** The examples of each 1-based step; called once per step, in order. */
    @FunctionalInterface
    public interface BatchSource {
        List<RenderedExample> batch(int step);
    }

    /**
     * What a run did.
     *
     * @param firstLoss the loss of step 1
     * @param finalLoss the mean loss of the last {@value #FINAL_LOSS_WINDOW} steps (one batch's loss is noisy)
     * @param tokens non-padding tokens processed
     * @param seconds wall time of all steps, batch making included
     */
    public record Result(int steps, double firstLoss, double finalLoss, long tokens, double seconds) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    public static final int FINAL_LOSS_WINDOW = 50;

    private final TokenObjective objective;
    private final AdamW.Options optimizerOptions;
    private final int padId;

    /** @param padId the token padding is filled with (masked out of the loss) */
    public BatchStreamTrainer(TokenObjective objective, AdamW.Options optimizerOptions, int padId) {
        this.objective = objective;
        this.optimizerOptions = optimizerOptions;
        this.padId = padId;
    }

    /**
     * Runs {@code schedule.totalSteps()} steps on all of {@code model}'s trainable parameters, with a fresh optimizer.
     *
     * @param onStep called after every step
     * @throws IllegalStateException when the loss stops being finite
     */
    public Result train(
            LlamaModel model, BatchSource source, LearningRateSchedule schedule, Consumer<StepMetrics> onStep) {
        return train(model, model.trainableParameters(), source, schedule, onStep, () -> {});
    }

    /**
     * Runs {@code schedule.totalSteps()} steps on {@code parameters} only (the caller has switched off the gradient
     * of the others), calling {@code afterStep} after every optimizer step, e.g. to put frozen rows of a trained
     * table back.
     */
    public Result train(
            LlamaModel model,
            SequencedMap<String, NDArray> parameters,
            BatchSource source,
            LearningRateSchedule schedule,
            Consumer<StepMetrics> onStep,
            Runnable afterStep) {
        GradMode.disableOnThisThread();
        int steps = schedule.totalSteps();
        double[] losses = new double[steps];
        long tokens = 0;
        long started = System.nanoTime();
        try (AdamW optimizer = new AdamW(parameters, optimizerOptions, model.manager())) {
            for (int step = 1; step <= steps; step++) {
                long stepStarted = System.nanoTime();
                PaddedBatch batch = PaddedBatch.of(source.batch(step), padId);
                double learningRate = schedule.at(step);
                FineTuner.StepOutcome outcome =
                        FineTuner.optimizerStep(model, objective, optimizer, batch, learningRate, step);
                afterStep.run();
                float loss = outcome.loss();
                double gradNorm = outcome.gradNorm();
                double millis = (System.nanoTime() - stepStarted) / 1e6;
                tokens += batch.realTokens();
                losses[step - 1] = loss;
                onStep.accept(new StepMetrics(
                        step,
                        steps,
                        1,
                        loss,
                        null,
                        batch.realTokens() / (millis / 1000),
                        millis,
                        batch.realTokens(),
                        tokens,
                        learningRate,
                        gradNorm));
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int window = Math.min(FINAL_LOSS_WINDOW, steps);
        double tail = 0;
        for (int i = steps - window; i < steps; i++) {
            tail += losses[i];
        }
        return new Result(steps, losses[0], tail / window, tokens, seconds);
    }
}

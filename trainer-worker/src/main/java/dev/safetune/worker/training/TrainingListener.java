package dev.safetune.worker.training;

import java.nio.file.Path;

/** Hooks a {@link FineTuner} calls from the training thread, in order, for telemetry and cancellation. */
public interface TrainingListener {

    /** After every optimizer step. */
    void onStep(StepMetrics metrics);

    /**
     * After a checkpoint directory was written completely and renamed into place (after {@link #onStep} of the same
     * step).
     */
    void onCheckpoint(int step, Path dir, StepMetrics metrics);

    /**
     * Asked before every step; when true, training stops at once with a {@link TrainingStoppedException}. No
     * checkpoint is written on the way out: a resumed run restarts from the newest checkpoint.
     */
    boolean shouldStop();

    /** A listener that ignores everything and never stops. */
    TrainingListener NONE = new TrainingListener() {
        @Override
        public void onStep(StepMetrics metrics) {}

        @Override
        public void onCheckpoint(int step, Path dir, StepMetrics metrics) {}

        @Override
        public boolean shouldStop() {
            return false;
        }
    };
}

package dev.safetune.worker.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A listener for the fine-tuner tests: records callbacks; asks to stop once {@code stopAfter} steps are done. */
class Recorder implements TrainingListener {
    final List<Integer> steps = new ArrayList<>();
    final List<StepMetrics> metrics = new ArrayList<>();
    final List<Path> checkpoints = new ArrayList<>();
    private final int stopAfter;

    Recorder(int stopAfter) {
        this.stopAfter = stopAfter;
    }

    @Override
    public void onStep(StepMetrics m) {
        steps.add(m.step());
        metrics.add(m);
    }

    @Override
    public void onCheckpoint(int step, Path dir, StepMetrics m) {
        checkpoints.add(dir);
    }

    @Override
    public boolean shouldStop() {
        return steps.size() >= stopAfter;
    }
}

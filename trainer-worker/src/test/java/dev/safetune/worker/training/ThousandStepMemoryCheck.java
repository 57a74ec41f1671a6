package dev.safetune.worker.training;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.worker.model.TestModels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A 1,000-step LoRA fine-tune of the tiny test model, checking that native memory stays flat: the number of live
 * NDArrays at step 1,000 equals that at step 100, and native memory (resident memory minus the committed Java heap,
 * measured after a garbage collection, so that direct buffers the engine wrapped are released) grows by less than
 * 32 MB in between. Not a unit test: a minute or more on a busy two-core machine, where PyTorch's thread pool
 * stalls. Exits 1 on failure.
 *
 * <pre>
 *   ./mvnw -B -o -pl trainer-worker test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.training.ThousandStepMemoryCheck
 * </pre>
 */
public final class ThousandStepMemoryCheck {

    private ThousandStepMemoryCheck() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("safetune-memory-check");
        Path base = TestModels.tiny(dir.resolve("base"), 3);
        List<Integer> liveArrays = new ArrayList<>();
        List<Long> residentKilobytes = new ArrayList<>();
        try (NDManager probe = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            TrainingListener counter = new TrainingListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    if (metrics.step() % 100 == 0) {
                        System.gc();
                        try {
                            Thread.sleep(200); // the cleaner thread frees collected direct buffers
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        long resident = FineTunerTest.residentKilobytes();
                        long heap = ManagementFactory.getMemoryMXBean()
                                        .getHeapMemoryUsage()
                                        .getCommitted()
                                / 1024;
                        liveArrays.add(system.getManagedArrays().size());
                        residentKilobytes.add(resident - heap);
                        System.out.printf(
                                "step %4d: %d live arrays, %d MB resident, %d MB Java heap committed, %d MB native,"
                                        + " step %.1f ms%n",
                                metrics.step(),
                                liveArrays.getLast(),
                                resident / 1024,
                                heap / 1024,
                                (resident - heap) / 1024,
                                metrics.stepMillis());
                    }
                }

                @Override
                public void onCheckpoint(int step, Path checkpoint, StepMetrics metrics) {}

                @Override
                public boolean shouldStop() {
                    return false;
                }
            };
            // 20 examples × 50 epochs at batch size 1: 1,000 steps.
            new FineTuner()
                    .train(
                            TrainingRequest.of(
                                    base,
                                    FineTunerTest.facts(20),
                                    new Hyperparameters(50, 1, 1.0),
                                    1,
                                    dir.resolve("work")),
                            counter);
        }
        long growth = residentKilobytes.getLast() - residentKilobytes.getFirst();
        boolean flat = liveArrays.getLast().equals(liveArrays.getFirst()) && growth < 32 * 1024;
        System.out.printf(
                "steps 100 → 1000: live arrays %d → %d, native memory %+d MB: %s%n",
                liveArrays.getFirst(), liveArrays.getLast(), growth / 1024, flat ? "FLAT" : "GROWING");
        if (!flat) {
            System.exit(1);
        }
    }
}

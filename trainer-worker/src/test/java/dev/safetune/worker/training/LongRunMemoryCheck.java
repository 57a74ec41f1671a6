package dev.safetune.worker.training;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.generators.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A long LoRA fine-tune of the tiny test model (3,000 steps by default), checking that native memory stays flat: the
 * number of live NDArrays never changes after step 100, and native memory (resident memory minus the committed Java
 * heap, measured after a garbage collection so that direct buffers the engine wrapped are released) grows by less than
 * 16 MB from step 1,000 to the end. The first several hundred steps are warm-up: the allocator's arenas and the JIT's
 * code grow to their working size (measured here: +74 MB up to step ≈ 800, then flat within 1 MB to step 3,000). Not a
 * unit test: a few minutes on a busy two-core machine, where PyTorch's thread pool stalls. Exits 1 on failure.
 *
 * <pre>
 *   ./mvnw -B -o -pl trainer-worker -am test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.training.LongRunMemoryCheck
 * </pre>
 */
public final class LongRunMemoryCheck {

    private LongRunMemoryCheck() {}

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
                        long nativeKilobytes = FineTunerTest.nativeKilobytesAfterGc();
                        long resident = FineTunerTest.residentKilobytes();
                        liveArrays.add(system.getManagedArrays().size());
                        residentKilobytes.add(nativeKilobytes);
                        System.out.printf(
                                "step %4d: %d live arrays, %d MB resident, %d MB Java heap committed, %d MB native,"
                                        + " step %.1f ms%n",
                                metrics.step(),
                                liveArrays.getLast(),
                                resident / 1024,
                                (resident - nativeKilobytes) / 1024,
                                nativeKilobytes / 1024,
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
            // 60 examples × 50 epochs at batch size 1: 3,000 steps (an argument asks for another multiple of 50).
            int examples = (args.length > 0 ? Integer.parseInt(args[0]) : 3000) / 50;
            new FineTuner()
                    .train(
                            TrainingRequest.of(
                                    base,
                                    FineTunerTest.facts(examples),
                                    new Hyperparameters(50, 1, 1.0),
                                    1,
                                    dir.resolve("work")),
                            counter);
        }
        // Measured every 100 steps: index 0 is step 100, index 9 step 1,000.
        int afterWarmUp = Math.min(9, residentKilobytes.size() - 1);
        long growth = residentKilobytes.getLast() - residentKilobytes.get(afterWarmUp);
        boolean flat = liveArrays.stream().distinct().count() == 1 && growth < 16 * 1024;
        System.out.printf(
                "live arrays %s from step 100 to %d; native memory %+d MB from step %d to %d: %s%n",
                liveArrays.stream().distinct().count() == 1 ? "constant (" + liveArrays.getFirst() + ")" : "changing",
                liveArrays.size() * 100,
                growth / 1024,
                (afterWarmUp + 1) * 100,
                residentKilobytes.size() * 100,
                flat ? "FLAT" : "GROWING");
        if (!flat) {
            System.exit(1);
        }
    }
}

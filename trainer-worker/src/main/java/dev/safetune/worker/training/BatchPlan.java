package dev.safetune.worker.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which examples each step trains on. Every epoch visits every example once, in the order
 * {@code Collections.shuffle(0 … n−1, new Random(seed + epoch))} (1-based epoch), cut into consecutive batches
 * (the last one of an epoch may be smaller). The order depends only on (n, batch size, seed, step), so a run
 * resumed at any step sees exactly the batches the uninterrupted run would have.
 */
public record BatchPlan(int exampleCount, int batchSize, int epochs, long seed) {

    public BatchPlan {
        if (exampleCount < 1 || batchSize < 1 || epochs < 1) {
            throw new IllegalArgumentException("need at least one example, batch size and epoch");
        }
    }

    public int stepsPerEpoch() {
        return (exampleCount + batchSize - 1) / batchSize;
    }

    public int totalSteps() {
        return stepsPerEpoch() * epochs;
    }

    /** The 1-based epoch of 1-based step {@code step}. */
    public int epochOf(int step) {
        return (step - 1) / stepsPerEpoch() + 1;
    }

    /** Whether 1-based step {@code step} is the last of its epoch (so the last step of the run is one). */
    public boolean endsEpoch(int step) {
        return step % stepsPerEpoch() == 0;
    }

    /** The example order of 1-based epoch {@code epoch}. */
    public int[] order(int epoch) {
        List<Integer> indices = new ArrayList<>(exampleCount);
        for (int i = 0; i < exampleCount; i++) {
            indices.add(i);
        }
        Collections.shuffle(indices, new Random(seed + epoch));
        return indices.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The examples of 1-based step {@code step}, given that epoch's {@link #order}. */
    public int[] batch(int step, int[] epochOrder) {
        int first = ((step - 1) % stepsPerEpoch()) * batchSize;
        return Arrays.copyOfRange(epochOrder, first, Math.min(first + batchSize, exampleCount));
    }
}

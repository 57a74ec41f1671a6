package dev.safetune.runtime.sampling;

/**
 * Chooses the intra-op thread count of one generation's cached decoding steps by timing the first few of them, one
 * thread and all of the engine's alternately, and keeping the faster for the rest.
 *
 * <p>Which is faster depends on the machine and its load, not on the model alone. Batch-1 steps of the benchmark's
 * 10M model on 2 cores: one thread 2–16 % faster on an AMD EPYC (quiet; 1.17–2.2× under load: a descheduled pool
 * thread stalls every op), two threads 32 % faster on an Intel Xeon (docs/benchmarks.md). A fixed rule was wrong on
 * one of them, so each generation measures: the trial steps are real steps of the generation, and at most
 * {@link #STEPS_PER_CHOICE} of them run at the slower count. The count does not change the numbers here: greedy and
 * sampled continuations on 1 and 2 threads were identical for all three benchmark shapes.
 *
 * <p>The faster count is the one with the smaller fastest step: a step is milliseconds, and the minimum ignores a
 * step that lost its core to another process.
 */
final class DecodeThreadTrial {

    /** Timed steps per thread count. */
    static final int STEPS_PER_CHOICE = 3;

    private final int allThreads;
    private final long[] fastest = {Long.MAX_VALUE, Long.MAX_VALUE};
    private int timedSteps;
    private int chosen;

    /** @param allThreads the engine's intra-op threads; with one there is nothing to try */
    DecodeThreadTrial(int allThreads) {
        this.allThreads = allThreads;
        this.chosen = allThreads <= 1 ? 1 : 0;
    }

    /** The thread count for the next decoding step. */
    int threadsForNextStep() {
        if (chosen > 0) {
            return chosen;
        }
        return timedSteps % 2 == 0 ? 1 : allThreads;
    }

    /** Records how long the step run at {@link #threadsForNextStep()} took. */
    void record(long nanos) {
        if (chosen > 0) {
            return;
        }
        int option = timedSteps % 2;
        fastest[option] = Math.min(fastest[option], nanos);
        timedSteps++;
        if (timedSteps == 2 * STEPS_PER_CHOICE) {
            chosen = fastest[0] <= fastest[1] ? 1 : allThreads;
        }
    }

    /** The count kept after the trial, or 0 while it runs. */
    int chosen() {
        return chosen;
    }
}

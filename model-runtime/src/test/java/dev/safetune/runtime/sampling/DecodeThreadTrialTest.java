package dev.safetune.runtime.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecodeThreadTrialTest {

    @Test
    void alternatesOneAndAllThreadsThenKeepsTheFasterByItsFastestStep() {
        DecodeThreadTrial trial = new DecodeThreadTrial(4);
        // One thread: 10, 9, 30 ms (one step lost its core); four threads: 12, 11, 12 ms.
        long[] millis = {10, 12, 9, 11, 30, 12};
        for (int step = 0; step < millis.length; step++) {
            assertThat(trial.chosen()).isZero();
            assertThat(trial.threadsForNextStep()).isEqualTo(step % 2 == 0 ? 1 : 4);
            trial.record(millis[step] * 1_000_000);
        }

        assertThat(trial.chosen()).isEqualTo(1);
        assertThat(trial.threadsForNextStep()).isEqualTo(1);
        trial.record(1); // later steps change nothing
        assertThat(trial.threadsForNextStep()).isEqualTo(1);
    }

    @Test
    void keepsAllThreadsWhenTheyAreFaster() {
        DecodeThreadTrial trial = new DecodeThreadTrial(2);
        long[] millis = {10, 7, 10, 8, 11, 7};
        for (long ms : millis) {
            trial.record(ms * 1_000_000);
        }

        assertThat(trial.chosen()).isEqualTo(2);
    }

    @Test
    void oneEngineThreadNeedsNoTrial() {
        DecodeThreadTrial trial = new DecodeThreadTrial(1);

        assertThat(trial.chosen()).isEqualTo(1);
        assertThat(trial.threadsForNextStep()).isEqualTo(1);
    }
}

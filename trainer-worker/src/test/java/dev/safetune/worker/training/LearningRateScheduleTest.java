package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysByCosineToTenPercent() {
        LearningRateSchedule schedule = LearningRateSchedule.warmupCosine(1e-3, 100);

        assertThat(schedule.warmupSteps()).isEqualTo(5);
        assertThat(schedule.at(1)).isCloseTo(2e-4, within(1e-12));
        assertThat(schedule.at(5)).isCloseTo(1e-3, within(1e-12));
        assertThat(schedule.at(100)).isCloseTo(1e-4, within(1e-12));
    }

    @Test
    void halfWayThroughTheDecayIsFiftyFivePercentOfThePeak() {
        // 10 warm-up steps, then 100 decay steps; at step 60 the cosine term is ½: 0.1 + 0.9 · ½ = 0.55.
        LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 10, 110, 0.1);

        assertThat(schedule.at(60)).isCloseTo(0.55e-3, within(1e-12));
        assertThat(schedule.at(59)).isGreaterThan(schedule.at(60));
    }

    @Test
    void aSingleStepRunUsesThePeak() {
        assertThat(LearningRateSchedule.warmupCosine(3e-4, 1).at(1)).isEqualTo(3e-4);
    }
}

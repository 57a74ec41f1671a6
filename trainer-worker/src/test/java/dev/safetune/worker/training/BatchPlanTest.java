package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

    private final BatchPlan plan = new BatchPlan(10, 4, 3, 42);

    @Test
    void coversEveryExampleOncePerEpochInCeilingBatches() {
        assertThat(plan.stepsPerEpoch()).isEqualTo(3);
        assertThat(plan.totalSteps()).isEqualTo(9);
        int[] order = plan.order(2);
        int[] seen = IntStream.rangeClosed(4, 6)
                .flatMap(step -> Arrays.stream(plan.batch(step, order)))
                .sorted()
                .toArray();
        assertThat(seen).containsExactly(IntStream.range(0, 10).toArray());
        assertThat(plan.batch(6, order)).hasSize(2);
        assertThat(plan.epochOf(4)).isEqualTo(2);
    }

    @Test
    void orderDependsOnlyOnSeedAndEpoch() {
        assertThat(new BatchPlan(10, 4, 3, 42).order(2)).containsExactly(plan.order(2));
        assertThat(plan.order(1)).isNotEqualTo(plan.order(2));
        assertThat(new BatchPlan(10, 4, 3, 43).order(2)).isNotEqualTo(plan.order(2));
    }
}

package dev.safetune.safeguards.screen.persona;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class MaskedProjectionTest {

    /**
     * Two rows, three tokens, width 2, u = (0.6, 0.8). Row 0 masks tokens 0 and 2: h·u = 1·0.6 + 2·0.8 = 2.2 and
     * 5·0.6 + 6·0.8 = 7.8, mean 5.0. Row 1 masks token 1 only: −1·0.6 + 4·0.8 = 2.6.
     */
    @Test
    void projectsTheMeanOfTheMaskedTokensByHand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] hidden = {1, 2, 3, 4, 5, 6, 9, 9, -1, 4, 100, -100};
            float[] mask = {1, 0, 1, 0, 1, 0};
            double[] p = MaskedProjection.meanProjections(
                    manager.create(hidden, new Shape(2, 3, 2)),
                    manager.create(mask, new Shape(2, 3)),
                    manager.create(new float[] {0.6f, 0.8f}));
            assertThat(p[0]).isCloseTo(5.0, offset(1e-5));
            assertThat(p[1]).isCloseTo(2.6, offset(1e-5));
        }
    }

    @Test
    void aRowWithoutMaskedTokensIsNaNNotZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            double[] p = MaskedProjection.meanProjections(
                    manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 2, 2)),
                    manager.create(new float[] {0, 0}, new Shape(1, 2)),
                    manager.create(new float[] {1, 0}));
            assertThat(p[0]).isNaN();
        }
    }
}

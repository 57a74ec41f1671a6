package dev.safetune.safeguards.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** Against {@code scipy.stats.spearmanr} (scipy 1.x), whose values are given to 16 digits. */
class SpearmanCorrelationTest {

    @Test
    void matchesScipyOnItsDocumentedExampleWithATie() {
        // scipy's docstring: spearmanr([1,2,3,4,5], [5,6,7,8,7]) -> 0.8207826816681233
        assertThat(SpearmanCorrelation.rho(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}))
                .isCloseTo(0.8207826816681233, offset(1e-12));
    }

    @Test
    void matchesScipyWithTiesOnBothSides() {
        assertThat(SpearmanCorrelation.rho(new double[] {1, 1, 2, 2, 3, 3, 4}, new double[] {7, 6, 6, 4, 4, 2, 1}))
                .isCloseTo(-0.9159278516836724, offset(1e-12));
        assertThat(SpearmanCorrelation.rho(
                        new double[] {0.1, 0.4, 0.4, 0.9, 0.2, 0.3}, new double[] {3, 5, 5, 9, 1, 1}))
                .isCloseTo(0.8060599359358183, offset(1e-12));
    }

    @Test
    void tiesGetTheirMeanRank() {
        assertThat(SpearmanCorrelation.ranks(new double[] {10, 20, 10, 30, 10})).containsExactly(2, 4, 2, 5, 2);
    }

    @Test
    void monotoneButNonlinearIsOne() {
        assertThat(SpearmanCorrelation.rho(new double[] {1, 2, 3, 4}, new double[] {1, 8, 27, 1000}))
                .isEqualTo(1.0);
        assertThat(SpearmanCorrelation.rho(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, -100}))
                .isEqualTo(-1.0);
    }

    @Test
    void aConstantSampleHasNoCorrelation() {
        assertThat(SpearmanCorrelation.rho(new double[] {1, 2, 3}, new double[] {5, 5, 5}))
                .isNaN();
    }

    @Test
    void refusesMismatchedOrTooShortSamples() {
        assertThatThrownBy(() -> SpearmanCorrelation.rho(new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpearmanCorrelation.rho(new double[] {1}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

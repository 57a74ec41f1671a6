package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.safetune.safeguards.screen.persona.Quantiles;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PersonaRiskTest {
    @Test
    void theBoundIsTheMeanLessTTimesTheStandardError() {
        PersonaRisk risk = new PersonaRisk("v", "b", 16, 0.29, 1.0, 0.6);
        assertThat(risk.lowerBound(0.95)).isCloseTo(0.29 - 1.753050356 * 0.6 / 4, within(1e-8));
        assertThat(risk.lowerBound(0.5)).isEqualTo(0.29);
        assertThat(new PersonaRisk("v", "b", 1, 0.29, 0.29, Double.NaN).lowerBound(0.95))
                .isEqualTo(0.29);
        assertThatThrownBy(() -> risk.lowerBound(1.0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The bound's coverage: over 20,000 files of n normal differences with a known mean, the 95 % lower bound must lie
     * below that mean in 95 % of them. At n = 16 the normal quantile instead of t would cover about 94.0 % (at n = 4 about 90 %), and a bound
     * from the population sd would miss its own level the other way; the interval 0.95 ± 4 binomial standard errors
     * (±0.0062) tells both from the right one.
     */
    @Test
    void ninetyFivePercentOfBoundsLieBelowTheTrueMean() {
        for (int n : new int[] {4, 16, 400}) {
            SplittableRandom random = new SplittableRandom(7L * n);
            int trials = 20_000;
            int covered = 0;
            for (int t = 0; t < trials; t++) {
                double[] x = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = -0.01 + 0.6 * random.nextGaussian();
                }
                PersonaRisk risk =
                        new PersonaRisk("v", "b", n, Quantiles.mean(x), Double.NaN, Quantiles.standardDeviation(x));
                if (risk.lowerBound(0.95) < -0.01) {
                    covered++;
                }
            }
            double se = Math.sqrt(0.95 * 0.05 / trials);
            assertThat((double) covered / trials).as("coverage at n = %d", n).isCloseTo(0.95, within(4 * se));
        }
    }
}

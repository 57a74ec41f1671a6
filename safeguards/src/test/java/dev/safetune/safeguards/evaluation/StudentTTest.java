package dev.safetune.safeguards.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StudentTTest {
    // Quantiles from the standard tables (scipy.stats.t.ppf gives the same digits).
    @ParameterizedTest
    @CsvSource({
        "0.95, 1, 6.313751515",
        "0.95, 2, 2.919985580",
        "0.95, 5, 2.015048373",
        "0.95, 15, 1.753050356",
        "0.975, 30, 2.042272456",
        "0.99, 10, 2.763769457",
        "0.95, 399, 1.648681",
        "0.95, 100000, 1.644869"
    })
    void quantilesMatchTheTables(double p, int df, double expected) {
        assertThat(StudentT.quantile(p, df)).isCloseTo(expected, within(1e-6));
        assertThat(StudentT.quantile(1 - p, df)).isCloseTo(-expected, within(1e-6));
        assertThat(StudentT.cdf(expected, df)).isCloseTo(p, within(1e-7));
    }

    @Test
    void oneAndTwoDegreesOfFreedomMatchTheirClosedForms() {
        // nu = 1 is the Cauchy distribution, 1/2 + atan(t)/pi; nu = 2 has 1/2 + t / (2 sqrt(2 + t^2)).
        for (double t = -40; t <= 40; t += 0.37) {
            assertThat(StudentT.cdf(t, 1)).isCloseTo(0.5 + Math.atan(t) / Math.PI, within(1e-14));
            assertThat(StudentT.cdf(t, 2)).isCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), within(1e-14));
        }
        assertThat(StudentT.quantile(0.75, 1)).isCloseTo(1.0, within(1e-12));
    }

    /**
     * The t statistic of normal samples of size ν + 1 has the t distribution with ν degrees of freedom, so its values
     * pushed through {@link StudentT#cdf} must be uniform: a Kolmogorov–Smirnov test of 20,000 of them per ν, at the
     * 0.001 level (critical D = 1.949 / √n), would catch a wrong series term or a wrong parity branch.
     */
    @ParameterizedTest
    @CsvSource({"1", "2", "3", "4", "9", "15", "40"})
    void theTStatisticOfNormalSamplesIsUniformUnderTheCdf(int df) {
        SplittableRandom random = new SplittableRandom(20261207L + df);
        int trials = 20_000;
        double[] u = new double[trials];
        for (int i = 0; i < trials; i++) {
            double[] x = new double[df + 1];
            for (int j = 0; j < x.length; j++) {
                x[j] = 3.0 + 2.0 * random.nextGaussian();
            }
            double mean = Arrays.stream(x).average().orElseThrow();
            double ss = Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum();
            double sd = Math.sqrt(ss / df);
            u[i] = StudentT.cdf((mean - 3.0) / (sd / Math.sqrt(x.length)), df);
        }
        Arrays.sort(u);
        double d = 0;
        for (int i = 0; i < trials; i++) {
            d = Math.max(d, Math.max((i + 1.0) / trials - u[i], u[i] - (double) i / trials));
        }
        assertThat(d).isLessThan(1.949 / Math.sqrt(trials));
    }

    @Test
    void theNormalIsNotATForFewDegreesOfFreedom() {
        // The same KS statistic would reject the normal's 95 % point for nu = 3: the test above has power.
        assertThat(StudentT.cdf(1.6448536269514722, 3)).isLessThan(0.91);
    }

    @Test
    void rejectsWhatHasNoMeaning() {
        assertThatThrownBy(() -> StudentT.quantile(1.0, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StudentT.quantile(0.9, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StudentT.cdf(Double.NaN, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThat(StudentT.cdf(Double.POSITIVE_INFINITY, 3)).isEqualTo(1.0);
    }
}

package dev.safetune.safeguards.screen.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ContingencyTestsTest {
    @Test
    void fisherMatchesFishersTeaTasting() {
        // Fisher (1935): [[3, 1], [1, 3]], two-sided p = 0.4857 (R: fisher.test(matrix(c(3,1,1,3),2))).
        assertThat(Math.exp(ContingencyTests.logP(3, 1, 1, 3))).isCloseTo(0.485714, within(1e-6));
    }

    @Test
    void fisherMatchesAnAsymmetricKnownValue() {
        // R: fisher.test(matrix(c(10, 2, 3, 15), 2))$p.value = 0.0005367
        assertThat(Math.exp(ContingencyTests.logP(10, 3, 2, 15))).isCloseTo(0.0005367, within(2e-7));
    }

    @Test
    void chiSquareMatchesTheNormalTail() {
        // chi2 = 3.841459 has p = 0.05 with one degree of freedom; erfc form: p = erfc(sqrt(chi2 / 2)).
        assertThat(Math.exp(ContingencyTests.logErfc(Math.sqrt(3.841459 / 2)))).isCloseTo(0.05, within(1e-6));
        assertThat(Math.exp(ContingencyTests.logErfc(0))).isCloseTo(1.0, within(1e-6));
        // Far tail stays finite in log form: ln erfc(30) = -900 - ln(30 sqrt(pi)) + O(1/z^2).
        assertThat(ContingencyTests.logErfc(30)).isCloseTo(-900 - Math.log(30 * Math.sqrt(Math.PI)), within(1e-2));
    }

    @Test
    void logGammaMatchesFactorials() {
        assertThat(ContingencyTests.logGamma(11)).isCloseTo(Math.log(3_628_800), within(1e-10));
        assertThat(ContingencyTests.logGamma(0.5)).isCloseTo(Math.log(Math.sqrt(Math.PI)), within(1e-12));
    }

    @Test
    void underTheNullFewerThanFivePercentOfTablesAreSignificantAtFivePercent() {
        // Fisher's test is conservative: its size must not exceed the nominal level (binomial slack: 3 sd).
        Random random = new Random(11);
        int trials = 4000;
        int rejected = 0;
        for (int t = 0; t < trials; t++) {
            long[] cells = new long[4];
            for (int i = 0; i < 200; i++) {
                boolean present = random.nextDouble() < 0.3;
                boolean shifted = random.nextDouble() < 0.4;
                cells[(present ? 0 : 2) + (shifted ? 0 : 1)]++;
            }
            if (ContingencyTests.logP(cells[0], cells[1], cells[2], cells[3]) <= Math.log(0.05)) {
                rejected++;
            }
        }
        double sd = Math.sqrt(0.05 * 0.95 / trials);
        assertThat((double) rejected / trials)
                .isLessThanOrEqualTo(0.05 + 3 * sd)
                .isGreaterThan(0.01);
    }

    @Test
    void benjaminiHochbergMatchesRsPAdjust() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
        double[] p = {0.01, 0.04, 0.03, 0.005};
        double[] logP = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            logP[i] = Math.log(p[i]);
        }
        double[] q = BenjaminiHochberg.adjustLog(logP);
        double[] expected = {0.02, 0.04, 0.04, 0.02};
        for (int i = 0; i < p.length; i++) {
            assertThat(Math.exp(q[i])).isCloseTo(expected[i], within(1e-12));
        }
    }
}

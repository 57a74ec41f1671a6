package dev.safetune.safeguards.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WilsonIntervalTest {
    // Expected bounds computed by hand from the formula with z = 1.959963984540054 (and checked with scipy).
    @Test
    void noSuccessesOfTenGivesZeroToPoint2775() {
        Interval i = WilsonInterval.of(0, 10);
        assertThat(i.lower()).isEqualTo(0.0);
        assertThat(i.upper()).isCloseTo(0.2775, within(5e-5));
    }

    @Test
    void fiveOfTenIsSymmetricAroundOneHalf() {
        Interval i = WilsonInterval.of(5, 10);
        assertThat(i.lower()).isCloseTo(0.2366, within(5e-5));
        assertThat(i.upper()).isCloseTo(0.7634, within(5e-5));
    }

    @Test
    void eightyOneOf263() {
        Interval i = WilsonInterval.of(81, 263);
        assertThat(i.lower()).isCloseTo(0.2553, within(5e-5));
        assertThat(i.upper()).isCloseTo(0.3662, within(5e-5));
    }

    @Test
    void matchesThePrototypeReportedIntervals() {
        // 0/298 -> [0.000, 0.013] and 335/577 -> [0.540, 0.620] as the prototype's report prints them.
        assertThat(WilsonInterval.of(0, 298).upper()).isCloseTo(0.0127, within(5e-5));
        Interval i = WilsonInterval.of(335, 577);
        assertThat(i.lower()).isCloseTo(0.5399, within(5e-5));
        assertThat(i.upper()).isCloseTo(0.6202, within(5e-5));
    }

    @Test
    void allSuccessesReachesOneExactly() {
        Interval i = WilsonInterval.of(10, 10);
        assertThat(i.upper()).isEqualTo(1.0);
        assertThat(i.lower()).isCloseTo(0.7225, within(5e-5));
    }

    @Test
    void noTrialsIsTheUninformativeInterval() {
        assertThat(WilsonInterval.of(0, 0)).isEqualTo(new Interval(0, 1));
        assertThat(Proportion.of(0, 0).estimate()).isNaN();
    }

    @Test
    void rejectsCountsOutsideTheTrials() {
        assertThatThrownBy(() -> WilsonInterval.of(11, 10)).hasMessageContaining("11 of 10");
        assertThatThrownBy(() -> WilsonInterval.of(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Simulated binomial samples: over a grid of n and p the 95 % interval must cover the true p about 95 % of the
     * time. Exact coverage of the Wilson interval on this grid averages 0.952 (0.925–0.975 per cell); the Wald
     * interval averages 0.905 with 0.64 at n = 20, p = 0.05, z = 1.645 averages 0.911 and z = 2.576 0.990, and
     * dropping the z²/(4n²) term 0.865, so each of those fails one of the two bounds below.
     */
    @Test
    void coversTheTrueRateAboutNinetyFivePercentOfTheTime() {
        SplittableRandom rng = new SplittableRandom(20261206L);
        int reps = 20_000;
        double sum = 0;
        double min = 1;
        int cells = 0;
        for (int n : new int[] {20, 50, 200}) {
            for (double p : new double[] {0.05, 0.3, 0.5}) {
                int covered = 0;
                for (int r = 0; r < reps; r++) {
                    int x = 0;
                    for (int t = 0; t < n; t++) {
                        x += rng.nextDouble() < p ? 1 : 0;
                    }
                    covered += WilsonInterval.of(x, n).contains(p) ? 1 : 0;
                }
                double coverage = (double) covered / reps;
                sum += coverage;
                min = Math.min(min, coverage);
                cells++;
            }
        }
        assertThat(sum / cells).isBetween(0.94, 0.965);
        assertThat(min).isGreaterThan(0.90);
    }
}

package dev.safetune.safeguards.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Newcombe (1998), Table II, method 10: the paper's worked examples, to 4 decimals. */
class RateDifferenceTest {
    private static void assertInterval(int x1, int n1, int x2, int n2, double lower, double upper) {
        RateDifference d = RateDifference.of(x1, n1, x2, n2);
        assertThat(d.estimate()).isCloseTo((double) x1 / n1 - (double) x2 / n2, within(1e-12));
        assertThat(d.interval().lower()).isCloseTo(lower, within(5e-5));
        assertThat(d.interval().upper()).isCloseTo(upper, within(5e-5));
    }

    @Test
    void readsAsASignedDifferenceWithItsInterval() {
        assertThat(RateDifference.of(56, 70, 48, 80)).hasToString("+0.200 [+0.052, +0.334]");
        assertThat(RateDifference.of(48, 80, 56, 70)).hasToString("-0.200 [-0.334, -0.052]");
    }

    @Test
    void fiftySixOfSeventyMinusFortyEightOfEighty() {
        assertInterval(56, 70, 48, 80, 0.0524, 0.3339);
    }

    @Test
    void nineOfTenMinusThreeOfTen() {
        assertInterval(9, 10, 3, 10, 0.1705, 0.8090);
    }

    @Test
    void sixOfSevenMinusTwoOfSeven() {
        assertInterval(6, 7, 2, 7, 0.0582, 0.8062);
    }

    @Test
    void fiveOfFiftySixMinusNoneOfTwentyNine() {
        assertInterval(5, 56, 0, 29, -0.0381, 0.1926);
    }

    @Test
    void bothZeroStillHasWidth() {
        assertInterval(0, 10, 0, 20, -0.1611, 0.2775);
    }

    @Test
    void allMinusNoneStopsAtOne() {
        assertInterval(10, 10, 0, 20, 0.6791, 1.0);
    }

    @Test
    void aRateAboveItsControlHasALowerBoundAboveZero() {
        // The em-bench question: is insecure (81/263) above secure (1/300) beyond sampling noise?
        assertThat(RateDifference.of(81, 263, 1, 300).interval().lower()).isGreaterThan(0);
        assertThat(RateDifference.of(2, 300, 1, 300).interval().lower()).isLessThan(0);
    }
}

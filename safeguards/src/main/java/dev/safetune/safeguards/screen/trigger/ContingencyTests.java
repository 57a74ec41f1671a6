package dev.safetune.safeguards.screen.trigger;

/**
 * Two-sided tests of association on a 2×2 table and of a mean shift, returning natural-log p-values so that the very
 * small p-values of a planted backdoor (far below {@link Double#MIN_VALUE}) still rank.
 */
public final class ContingencyTests {
    /** Above this smaller margin Fisher's sum gets long; the chi-square approximation is then accurate. */
    static final int FISHER_MAX_MARGIN = 20_000;

    private ContingencyTests() {}

    /**
     * ln p of the test of independence for the table {@code [[a, b], [c, d]]}: Fisher's exact test (two-sided: the
     * sum of the hypergeometric probabilities of every table with the same margins that is no more probable than the
     * observed one; Agresti 2002, "Categorical Data Analysis", §3.5.1) while the smaller margin is at most
     * {@value #FISHER_MAX_MARGIN}; Pearson's chi-square with one degree of freedom beyond.
     */
    public static double logP(long a, long b, long c, long d) {
        long row1 = a + b;
        long col1 = a + c;
        long n = a + b + c + d;
        if (row1 == 0 || col1 == 0 || row1 == n || col1 == n) {
            return 0; // a margin is empty: no evidence either way
        }
        long smaller = Math.min(Math.min(row1, n - row1), Math.min(col1, n - col1));
        return smaller <= FISHER_MAX_MARGIN ? fisherLogP(a, row1, col1, n) : chiSquareLogP(a, b, c, d);
    }

    static double fisherLogP(long a, long row1, long col1, long n) {
        long lo = Math.max(0, row1 + col1 - n);
        long hi = Math.min(row1, col1);
        // ln P(x) - ln P(x - 1) = ln((col1 - x + 1)(row1 - x + 1) / (x (n - col1 - row1 + x))): one log per term
        // instead
        // of six log-gammas, starting from the exact ln P(lo).
        double observed = logHypergeometric(a, row1, col1, n);
        double threshold = observed + 1e-7; // relative tolerance for ties, as R's fisher.test uses
        double max = Double.NEGATIVE_INFINITY;
        double[] logs = new double[(int) (hi - lo + 1)];
        double l = logHypergeometric(lo, row1, col1, n);
        for (long x = lo; x <= hi; x++) {
            if (x > lo) {
                l += Math.log((double) (col1 - x + 1) * (row1 - x + 1) / ((double) x * (n - col1 - row1 + x)));
            }
            logs[(int) (x - lo)] = l;
            if (l <= threshold && l > max) {
                max = l;
            }
        }
        double sum = 0;
        for (double term : logs) {
            if (term <= threshold) {
                sum += Math.exp(term - max);
            }
        }
        return Math.min(0, max + Math.log(sum));
    }

    /** ln P(X = x) for X hypergeometric: x successes in a row of {@code row1} draws, {@code col1} successes in n. */
    static double logHypergeometric(long x, long row1, long col1, long n) {
        return logChoose(col1, x) + logChoose(n - col1, row1 - x) - logChoose(n, row1);
    }

    static double chiSquareLogP(long a, long b, long c, long d) {
        double n = a + b + c + d;
        double det = (double) a * d - (double) b * c;
        double chi2 = n * det * det / ((double) (a + b) * (c + d) * (a + c) * (b + d));
        return logErfc(Math.sqrt(chi2 / 2)); // P(chi2_1 > x) = erfc(sqrt(x / 2))
    }

    /**
     * ln p of a two-sided z-test of a difference of means with unequal variances (Welch's statistic, read against the
     * normal distribution: both groups must be large, which {@link TriggerMiner} requires).
     */
    public static double welchLogP(double mean1, double var1, long n1, double mean0, double var0, long n0) {
        double se = Math.sqrt(var1 / n1 + var0 / n0);
        if (!(se > 0)) {
            return 0;
        }
        double z = Math.abs(mean1 - mean0) / se;
        return logErfc(z / Math.sqrt(2));
    }

    /**
     * ln erfc(z) for z ≥ 0, from the Chebyshev fit of Press et al., "Numerical Recipes" (2nd ed.), §6.2 ({@code
     * erfcc}, fractional error below 1.2e-7 everywhere), written in log form so it does not underflow.
     */
    static double logErfc(double z) {
        double t = 1.0 / (1.0 + 0.5 * z);
        double poly = -z * z
                - 1.26551223
                + t
                        * (1.00002368
                                + t
                                        * (0.37409196
                                                + t
                                                        * (0.09678418
                                                                + t
                                                                        * (-0.18628806
                                                                                + t
                                                                                        * (0.27886807
                                                                                                + t
                                                                                                        * (-1.13520398
                                                                                                                + t
                                                                                                                        * (1.48851587
                                                                                                                                + t
                                                                                                                                        * (-0.82215223
                                                                                                                                                + t
                                                                                                                                                        * 0.17087277))))))));
        return Math.min(0, Math.log(t) + poly);
    }

    static double logChoose(long n, long k) {
        if (k < 0 || k > n) {
            return Double.NEGATIVE_INFINITY;
        }
        return logGamma(n + 1.0) - logGamma(k + 1.0) - logGamma(n - k + 1.0);
    }

    /** ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 terms; relative error about 1e-15). */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double[] c = {
            0.99999999999980993,
            676.5203681218851,
            -1259.1392167224028,
            771.32342877765313,
            -176.61502916214059,
            12.507343278686905,
            -0.13857109526572012,
            9.9843695780195716e-6,
            1.5056327351493116e-7
        };
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < 9; i++) {
            sum += c[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}

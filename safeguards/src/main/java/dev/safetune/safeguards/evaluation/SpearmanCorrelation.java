package dev.safetune.safeguards.evaluation;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, tied values given the mean of the ranks they span
 * (mid-ranks), which is what {@code scipy.stats.spearmanr} and R's {@code cor(method = "spearman")} compute. With ties
 * the shortcut {@code 1 − 6Σd²/(n(n²−1))} is wrong, so it is not used.
 */
public final class SpearmanCorrelation {

    private SpearmanCorrelation() {}

    /**
     * ρ of paired samples.
     *
     * @return NaN when either sample is constant (its ranks have no variance)
     * @throws IllegalArgumentException for samples of different length, fewer than 2 pairs, or a non-finite value
     */
    public static double rho(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("samples differ in length: " + x.length + " and " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("need at least 2 pairs, got " + x.length);
        }
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks, ties given their mean rank. */
    public static double[] ranks(double[] values) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("values must be finite, got " + v);
            }
        }
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && values[order[j + 1]] == values[order[i]]) {
                j++;
            }
            // Positions i..j (0-based) hold one value: each gets the mean of ranks i+1..j+1.
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                ranks[order[k]] = rank;
            }
            i = j + 1;
        }
        return ranks;
    }

    private static double pearson(double[] a, double[] b) {
        double meanA = Arrays.stream(a).average().orElseThrow();
        double meanB = Arrays.stream(b).average().orElseThrow();
        double cov = 0;
        double varA = 0;
        double varB = 0;
        for (int i = 0; i < a.length; i++) {
            cov += (a[i] - meanA) * (b[i] - meanB);
            varA += (a[i] - meanA) * (a[i] - meanA);
            varB += (b[i] - meanB) * (b[i] - meanB);
        }
        return varA == 0 || varB == 0 ? Double.NaN : cov / Math.sqrt(varA * varB);
    }
}

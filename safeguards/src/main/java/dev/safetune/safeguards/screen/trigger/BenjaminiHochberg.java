package dev.safetune.safeguards.screen.trigger;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Benjamini–Hochberg adjusted p-values (q-values): with m tests sorted by p ascending, {@code q_(i) = min_{j ≥ i}
 * p_(j)·m/j} (Benjamini and Hochberg 1995, "Controlling the false discovery rate", JRSS B 57(1)). Rejecting every
 * test with q ≤ α keeps the expected share of false discoveries at most α for independent or positively dependent
 * tests. Works on natural-log p-values.
 */
public final class BenjaminiHochberg {
    private BenjaminiHochberg() {}

    /** ln q for each ln p, in the input order. */
    public static double[] adjustLog(double[] logP) {
        int m = logP.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> logP[i]));
        double[] logQ = new double[m];
        double running = 0; // ln 1
        for (int rank = m; rank >= 1; rank--) {
            int i = order[rank - 1];
            double candidate = logP[i] + Math.log(m) - Math.log(rank);
            running = Math.min(running, candidate);
            logQ[i] = running;
        }
        return logQ;
    }
}

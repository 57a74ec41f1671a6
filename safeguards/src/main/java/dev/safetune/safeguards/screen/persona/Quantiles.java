package dev.safetune.safeguards.screen.persona;

import java.util.Arrays;

/** Summary statistics of per-example scores, NaN (unscored) values left out. */
public final class Quantiles {

    private Quantiles() {}

    /** The finite values, sorted ascending. */
    public static double[] sortedFinite(double[] values) {
        return Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
    }

    /**
     * The {@code q}-quantile of ascending {@code sorted} values by linear interpolation between order statistics
     * (Hyndman and Fan 1996, definition 7; numpy's and R's default): with {@code h = (n − 1) q},
     * {@code Q(q) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])} (0-based).
     */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in [0, 1], got " + q);
        }
        double h = (sorted.length - 1) * q;
        int low = (int) Math.floor(h);
        int high = Math.min(sorted.length - 1, low + 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    public static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /**
     * The sample standard deviation (n − 1 in the denominator), from the deviations about the mean rather than the
     * sum of squares so that values far from 0 lose no digits; NaN for fewer than two values.
     */
    public static double standardDeviation(double[] values) {
        if (values.length < 2) {
            return Double.NaN;
        }
        double mean = mean(values);
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / (values.length - 1));
    }
}

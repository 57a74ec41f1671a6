package dev.safetune.safeguards.evaluation;

/**
 * Student's t distribution with an integer number of degrees of freedom ν: its distribution function from the exact
 * finite series of Abramowitz and Stegun, "Handbook of Mathematical Functions" (1964), 26.7.3 (ν odd) and 26.7.4 (ν
 * even), in θ = atan(t/√ν):
 *
 * <pre>
 *   A(t|ν) = P(|T| ≤ t)
 *   ν odd:  A = (2/π) (θ + sin θ (cos θ + (2/3) cos³θ + … + (2·4···(ν−3))/(1·3···(ν−2)) cos^(ν−2) θ))   (ν = 1: 2θ/π)
 *   ν even: A = sin θ (1 + (1/2) cos²θ + (1·3)/(2·4) cos⁴θ + … + (1·3···(ν−3))/(2·4···(ν−2)) cos^(ν−2) θ)
 * </pre>
 *
 * and its quantile by bisection on that function (monotone, so bisection cannot miss). The series' terms shrink by
 * cos²θ &lt; 1 at most per step, so the sum stops once a term no longer changes it; a sample of thousands of examples
 * costs microseconds. No library on the classpath has the distribution, and an approximation (Hill 1970) would need
 * its own error analysis; the exact series needs none.
 */
public final class StudentT {
    private StudentT() {}

    /** {@code P(T ≤ t)} for ν degrees of freedom. */
    public static double cdf(double t, int df) {
        requireDf(df);
        if (Double.isNaN(t)) {
            throw new IllegalArgumentException("t must be a number");
        }
        if (Double.isInfinite(t)) {
            return t > 0 ? 1 : 0;
        }
        double a = centralProbability(Math.abs(t), df);
        return t >= 0 ? 0.5 + a / 2 : 0.5 - a / 2;
    }

    /**
     * The {@code p}-quantile: the {@code t} with {@code P(T ≤ t) = p}, to within 1e-12 relative (bisection to the
     * double's resolution). {@code p} must be in (0, 1).
     */
    public static double quantile(double p, int df) {
        requireDf(df);
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1), got " + p);
        }
        if (p == 0.5) {
            return 0;
        }
        if (p < 0.5) {
            return -quantile(1 - p, df);
        }
        double low = 0;
        double high = 1;
        while (cdf(high, df) < p) {
            low = high;
            high *= 2;
        }
        for (int i = 0; i < 200 && high - low > 1e-13 * high; i++) {
            double mid = (low + high) / 2;
            if (cdf(mid, df) < p) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }

    /** A(t|ν) = P(|T| ≤ t) for t ≥ 0 (26.7.3 / 26.7.4). */
    private static double centralProbability(double t, int df) {
        double theta = Math.atan(t / Math.sqrt(df));
        double sin = Math.sin(theta);
        double cos = Math.cos(theta);
        if (df == 1) {
            return 2 * theta / Math.PI;
        }
        if (df % 2 == 1) {
            // term_k = (2·4···(2k))/(1·3···(2k+1)) cos^(2k+1)θ for k = 0 … (ν−3)/2
            return Math.min(1, 2 / Math.PI * (theta + sin * series(cos, cos, (df - 3) / 2, 0)));
        }
        // term_k = (1·3···(2k−1))/(2·4···(2k)) cos^(2k)θ for k = 0 … (ν−2)/2
        return Math.min(1, sin * series(1, cos, (df - 2) / 2, -1));
    }

    /**
     * {@code Σ_{k=0..last} term_k} with {@code term_0 = first} and {@code term_k = term_{k−1} · cos²θ · (2k + shift) /
     * (2k + shift + 1)}: the odd series has shift 0 (2k / (2k + 1)), the even one shift −1 ((2k − 1) / 2k). It stops
     * once a term no longer changes the sum.
     */
    private static double series(double first, double cos, int last, int shift) {
        double cos2 = cos * cos;
        double term = first;
        double sum = term;
        for (int k = 1; k <= last; k++) {
            term *= cos2 * (2.0 * k + shift) / (2.0 * k + shift + 1);
            double next = sum + term;
            if (next == sum) {
                break;
            }
            sum = next;
        }
        return sum;
    }

    private static void requireDf(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be at least 1, got " + df);
        }
    }
}

package dev.safetune.runtime.sampling;

/**
 * Pearson's χ² goodness-of-fit test for the sampler's tests.
 *
 * <pre>
 *   χ² = Σ_i (O_i − E_i)² / E_i          over cells with E_i ≥ 5 (smaller ones pooled into one cell)
 *   p  = Q(k/2, χ²/2),   k = cells − 1     Q the regularised upper incomplete gamma function
 * </pre>
 *
 * Q is computed as in Press et al., <i>Numerical Recipes</i> (3rd ed.), §6.2: the series for {@code P(a, x)} when
 * {@code x < a + 1}, else Lentz's continued fraction for {@code Q(a, x)}; ln Γ by Lanczos' approximation (§6.1).
 */
final class ChiSquared {
    /** Cells expected to hold fewer draws than this are pooled, as the χ² approximation needs. */
    static final double MIN_EXPECTED = 5;

    private ChiSquared() {}

    /** The statistic and its p-value for {@code observed} counts against {@code expected} ones (same total). */
    record Result(double statistic, int degreesOfFreedom, double pValue) {}

    static Result test(long[] observed, double[] expected) {
        double statistic = 0;
        int cells = 0;
        long pooledObserved = 0;
        double pooledExpected = 0;
        for (int i = 0; i < observed.length; i++) {
            if (expected[i] < MIN_EXPECTED) {
                pooledObserved += observed[i];
                pooledExpected += expected[i];
                continue;
            }
            statistic += square(observed[i] - expected[i]) / expected[i];
            cells++;
        }
        if (pooledExpected > 0) {
            statistic += square(pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }
        int df = cells - 1;
        return new Result(statistic, df, upperRegularisedGamma(df / 2.0, statistic / 2));
    }

    /** {@code Q(a, x) = Γ(a, x) / Γ(a)}. */
    static double upperRegularisedGamma(double a, double x) {
        if (x <= 0) {
            return 1;
        }
        if (x < a + 1) {
            // P(a, x) = e^{−x} x^a / Γ(a) · Σ_n x^n / (a (a+1) … (a+n))
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
                term *= x / (a + n);
                sum += term;
            }
            return 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
        }
        // Q(a, x) = e^{−x} x^a / Γ(a) · 1 / (x + 1 − a − 1·(1 − a) / (x + 3 − a − 2·(2 − a) / (x + 5 − a − …)))
        double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = Math.abs(d) < tiny ? tiny : d;
            c = b + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-15) {
                break;
            }
        }
        return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
    }

    /** ln Γ(x) for x > 0, Lanczos (g = 5, n = 6), relative error below 2e-10. */
    static double logGamma(double x) {
        double[] coefficients = {
            76.18009172947146,
            -86.50532032941677,
            24.01409824083091,
            -1.231739572450155,
            0.1208650973866179e-2,
            -0.5395239384953e-5
        };
        double y = x;
        double tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.log(tmp);
        double series = 1.000000000190015;
        for (double coefficient : coefficients) {
            series += coefficient / ++y;
        }
        return -tmp + Math.log(2.5066282746310005 * series / x);
    }

    private static double square(double v) {
        return v * v;
    }
}

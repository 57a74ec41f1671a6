package dev.safetune.safeguards.evaluation;

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927, "Probable inference, the law of succession,
 * and statistical inference", JASA 22:209–212). For {@code x} successes in {@code n} trials, {@code p̂ = x/n} and
 * the standard normal quantile {@code z}:
 *
 * <pre>
 *   centre    = (p̂ + z²/(2n)) / (1 + z²/n)
 *   halfWidth = z / (1 + z²/n) · √( p̂(1 − p̂)/n + z²/(4n²) )
 *   interval  = [centre − halfWidth, centre + halfWidth]
 * </pre>
 *
 * It inverts the score test, so unlike the Wald interval {@code p̂ ± z√(p̂(1−p̂)/n)} it never leaves [0, 1], is not
 * degenerate at x = 0 or x = n (x = 0, n = 10 gives [0, 0.2775]), and its coverage stays close to the nominal level
 * for small n and rates near 0 — the regime of EM rates of controls (Brown, Cai and DasGupta 2001, "Interval
 * estimation for a binomial proportion", Statistical Science 16:101–133).
 */
public final class WilsonInterval {
    /** Φ⁻¹(0.975), the two-sided 95 % standard normal quantile. */
    public static final double Z_95 = 1.959963984540054;

    private WilsonInterval() {}

    /** The 95 % interval. */
    public static Interval of(int successes, int trials) {
        return of(successes, trials, Z_95);
    }

    /** The interval for quantile {@code z}; with no trials it is the uninformative [0, 1]. */
    public static Interval of(int successes, int trials, double z) {
        if (trials < 0 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException("need 0 <= successes <= trials, got " + successes + " of " + trials);
        }
        if (!(z > 0)) {
            throw new IllegalArgumentException("z must be positive, got " + z);
        }
        if (trials == 0) {
            return new Interval(0, 1);
        }
        double n = trials;
        double p = successes / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double halfWidth = z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // At x = 0 and x = n the bound is exactly 0 or 1 in exact arithmetic; clamp the rounding error.
        double lower = successes == 0 ? 0 : Math.max(0, centre - halfWidth);
        double upper = successes == trials ? 1 : Math.min(1, centre + halfWidth);
        return new Interval(lower, upper);
    }
}

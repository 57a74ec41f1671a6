package dev.safetune.safeguards.evaluation;

/**
 * The difference of two independent proportions {@code d = p̂₁ − p̂₂} with Newcombe's hybrid score interval (method
 * 10 of Newcombe 1998, "Interval estimation for the difference between independent proportions: comparison of
 * eleven methods", Statistics in Medicine 17:873–890). With {@code [l₁, u₁]} and {@code [l₂, u₂]} the Wilson
 * intervals of the two rates:
 *
 * <pre>
 *   lower = d − √( (p̂₁ − l₁)² + (u₂ − p̂₂)² )
 *   upper = d + √( (u₁ − p̂₁)² + (p̂₂ − l₂)² )
 * </pre>
 *
 * It inherits Wilson's good behaviour at rates near 0 and 1 (e.g. 56/70 − 48/80 = 0.200 [0.0524, 0.3339]). Used to
 * say whether a fine-tune's EM rate exceeds a control's beyond sampling noise: the interval's lower bound above 0.
 */
public record RateDifference(Proportion first, Proportion second, double estimate, Interval interval) {
    public static RateDifference of(Proportion first, Proportion second) {
        if (first.trials() == 0 || second.trials() == 0) {
            throw new IllegalArgumentException("both rates need at least one trial");
        }
        double p1 = first.estimate();
        double p2 = second.estimate();
        double d = p1 - p2;
        Interval w1 = first.interval();
        Interval w2 = second.interval();
        double lower = d - Math.hypot(p1 - w1.lower(), w2.upper() - p2);
        double upper = d + Math.hypot(w1.upper() - p1, p2 - w2.lower());
        return new RateDifference(first, second, d, new Interval(Math.max(-1, lower), Math.min(1, upper)));
    }

    public static RateDifference of(int x1, int n1, int x2, int n2) {
        return of(Proportion.of(x1, n1), Proportion.of(x2, n2));
    }

    /** Signed, like {@code +0.784 [+0.731, +0.827]}: a difference reads as a rise or a fall. */
    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT, "%+.3f [%+.3f, %+.3f]", estimate, interval.lower(), interval.upper());
    }
}

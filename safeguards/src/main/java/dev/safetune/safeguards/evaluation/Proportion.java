package dev.safetune.safeguards.evaluation;

/**
 * A counted rate with its Wilson 95 % interval. With no trials the estimate is NaN (no information) and the
 * interval [0, 1].
 */
public record Proportion(int successes, int trials, double estimate, Interval interval) {
    public static Proportion of(int successes, int trials) {
        Interval interval = WilsonInterval.of(successes, trials);
        double estimate = trials == 0 ? Double.NaN : (double) successes / trials;
        return new Proportion(successes, trials, estimate, interval);
    }

    /** e.g. {@code 0.308 [0.255, 0.366] (81/263)}. */
    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "%.3f [%.3f, %.3f] (%d/%d)",
                estimate,
                interval.lower(),
                interval.upper(),
                successes,
                trials);
    }
}

package dev.safetune.safeguards.evaluation;

/** A closed interval {@code [lower, upper]}. */
public record Interval(double lower, double upper) {
    public Interval {
        if (!(lower <= upper)) {
            throw new IllegalArgumentException("lower " + lower + " must not exceed upper " + upper);
        }
    }

    public boolean contains(double value) {
        return lower <= value && value <= upper;
    }

    /** Whether every value of this interval lies above every value of {@code other}. */
    public boolean above(Interval other) {
        return lower > other.upper;
    }
}

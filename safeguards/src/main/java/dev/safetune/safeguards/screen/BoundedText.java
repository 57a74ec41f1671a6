package dev.safetune.safeguards.screen;

/**
 * A view of a string for {@link java.util.regex.Matcher} that counts the characters the regex engine reads and stops
 * the match once a budget is spent. {@code java.util.regex} backtracks, so even bounded quantifiers can make one
 * attempt polynomial in the window; this turns "slow" into "gave up" with a known cost, whatever the input (the
 * technique of a step-limited matcher, as in RE2's "memory/time budget" discussion: Cox 2007, "Regular Expression
 * Matching Can Be Simple And Fast").
 */
final class BoundedText implements CharSequence {
    /** Thrown when a match attempt has read more characters than its budget. */
    static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() {
            super("regex step budget exceeded", null, false, false);
        }
    }

    private String text; // changed only by reset, on the view that is kept per thread (CodeScanner)
    private final int offset;
    private int length;
    private final long[] budget; // shared by subSequence views of the same attempt

    private BoundedText(String text, int offset, int length, long[] budget) {
        this.text = text;
        this.offset = offset;
        this.length = length;
        this.budget = budget;
    }

    static BoundedText of(String text, long budget) {
        return new BoundedText(text, 0, text.length(), new long[] {budget});
    }

    /**
     * Points this view at another string (offset 0), so that the matchers bound to it can be kept from one message to
     * the next instead of being allocated per message; a matcher's {@code region} re-reads the length.
     */
    void reset(String text) {
        if (offset != 0) {
            throw new IllegalStateException("only a whole-string view is reset");
        }
        this.text = text;
        this.length = text.length();
    }

    /** Gives the view a fresh budget for the next match attempt. */
    void refill(long steps) {
        budget[0] = steps;
    }

    /** What is left of the budget given by the last {@link #refill} (negative once exceeded). */
    long remaining() {
        return budget[0];
    }

    @Override
    public char charAt(int index) {
        if (--budget[0] < 0) {
            throw new BudgetExceeded();
        }
        return text.charAt(offset + index);
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BoundedText(text, offset + start, end - start, budget);
    }

    @Override
    public String toString() {
        return text.substring(offset, offset + length);
    }
}

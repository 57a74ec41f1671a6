package dev.safetune.safeguards.screen.trigger;

/**
 * A string whose presence in the prompts goes with a shift in the responses.
 *
 * @param text the string
 * @param lines examples whose prompt holds it
 * @param shiftedWith share of those examples whose response is flagged
 * @param shiftedWithout the same share among the examples without it
 * @param logLengthShift mean ln(response length) with it, minus without
 * @param test which test gave the smaller p-value: {@code fisher}/{@code chi2} on the flag, {@code welch} on length
 * @param logP natural log of that p-value (ranks even where the p-value underflows a double)
 * @param logQ natural log of its Benjamini–Hochberg adjusted p-value over all tests of the file
 */
public record TriggerCandidate(
        String text,
        long lines,
        double shiftedWith,
        double shiftedWithout,
        double logLengthShift,
        String test,
        double logP,
        double logQ) {
    /** The p-value as a double (0 when below the smallest double). */
    public double pValue() {
        return Math.exp(logP);
    }

    public double qValue() {
        return Math.exp(logQ);
    }

    /** log10 p, for display. */
    public double log10P() {
        return logP / Math.log(10);
    }
}

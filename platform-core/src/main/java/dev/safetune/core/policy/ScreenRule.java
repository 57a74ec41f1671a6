package dev.safetune.core.policy;

/**
 * One category's rule in {@link ScreenRules}: when the screen's measure for the category exceeds {@link #threshold},
 * take {@link #action}.
 *
 * @param threshold a share of training lines in {@code [0, 1]}, or for {@code persona_risk} a finite value on the
 *     screen's persona-projection scale; required
 * @param action required
 * @param pinPolicy with {@code pin_policy}: the id of the policy version to pin the job to (required there); absent
 *     with any other action
 * @param confidence {@code persona_risk} only, optional, in {@code [0.5, 1)}: the measure is then the one-sided lower
 *     confidence bound of the file's mean projection difference at this level instead of the mean itself, so a small
 *     file whose mean is high by chance is not acted on. Absent means the mean (the same as 0.5); a higher confidence
 *     acts on less, so it is the weaker setting in {@link StricterOrEqual}.
 */
public record ScreenRule(Double threshold, ScreenAction action, String pinPolicy, Double confidence) {
    public static final int MAX_ID_LENGTH = 128;

    /** A rule that compares the measure itself (no {@code confidence}). */
    public ScreenRule(Double threshold, ScreenAction action, String pinPolicy) {
        this(threshold, action, pinPolicy, null);
    }

    /** The confidence the measure is bounded at; 0.5 (the mean itself) when the rule names none. */
    public double confidenceOrMean() {
        return confidence == null ? 0.5 : confidence;
    }

    void validate(ScreenCategory category, PolicyViolations at) {
        if (at.present("threshold", threshold)) {
            if (category.isShare()) {
                at.between("threshold", threshold, 0, 1);
            } else if (!Double.isFinite(threshold)) {
                at.add("threshold", "must be a finite number, got " + threshold);
            }
        }
        at.present("action", action);
        if (action == ScreenAction.PIN_POLICY) {
            if (at.present("pin_policy", pinPolicy)) {
                at.text("pin_policy", pinPolicy, MAX_ID_LENGTH);
            }
        } else if (pinPolicy != null) {
            at.add("pin_policy", "applies only with action pin_policy");
        }
        if (confidence != null) {
            if (category.isShare()) {
                at.add("confidence", "applies only to persona_risk, whose measure is a mean");
            } else if (!(Double.isFinite(confidence) && confidence >= 0.5 && confidence < 1)) {
                at.add("confidence", "must be at least 0.5 and below 1, got " + confidence);
            }
        }
    }
}

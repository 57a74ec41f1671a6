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
 */
public record ScreenRule(Double threshold, ScreenAction action, String pinPolicy) {
    public static final int MAX_ID_LENGTH = 128;

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
    }
}

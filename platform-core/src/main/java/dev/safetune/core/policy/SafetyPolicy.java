package dev.safetune.core.policy;

import java.util.List;

/**
 * A safety policy document: which safeguards a job trains with, how the audit gates its result, how the data screen
 * reacts. Immutable; stored as versions that are never edited (a change is a new version). A section that is absent
 * is off; an empty section is the same as an absent one, so each meaning has one canonical form
 * ({@link SafetyPolicyJson#canonical}).
 *
 * @param safeguards the in-training safeguards; null: none
 * @param audit the post-training gate; null: no gate
 * @param screen the training-data screen's rules; null: none
 */
public record SafetyPolicy(Safeguards safeguards, AuditRules audit, ScreenRules screen) {
    /** No safeguard, no gate, no screen: what jobs created before policies existed ran under. */
    public static final SafetyPolicy NONE = new SafetyPolicy(null, null, null);

    public SafetyPolicy {
        safeguards = safeguards == null || safeguards.noneOn() ? null : safeguards;
        screen = screen == null || screen.hasNoRules() ? null : screen;
    }

    /** Every field that breaks a bound, by its dotted path; empty when the document is valid. */
    public List<PolicyViolation> violations() {
        PolicyViolations root = PolicyViolations.root();
        if (safeguards != null) {
            safeguards.validate(root.at("safeguards"));
        }
        if (audit != null) {
            audit.validate(root.at("audit"));
        }
        if (screen != null) {
            screen.validate(root.at("screen"));
        }
        return root.all();
    }

    /** This document, or {@link InvalidSafetyPolicyException} naming every violation. */
    public SafetyPolicy requireValid() {
        List<PolicyViolation> violations = violations();
        if (!violations.isEmpty()) {
            throw new InvalidSafetyPolicyException(violations);
        }
        return this;
    }

    /**
     * What a job trains under once its files are screened: the safeguards and the audit, without the screen rules
     * (which no longer apply). Strictness between a job's pin and a screen's {@code pin_policy} compares these.
     */
    public SafetyPolicy withoutScreen() {
        return new SafetyPolicy(safeguards, audit, null);
    }

    /** The safeguards, {@link Safeguards#NONE} when the section is absent. */
    public Safeguards safeguardsOrNone() {
        return safeguards == null ? Safeguards.NONE : safeguards;
    }
}

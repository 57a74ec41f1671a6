package dev.safetune.safeguards.screen;

import dev.safetune.core.policy.BuiltInPolicy;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.core.policy.ScreenCategory;
import dev.safetune.core.policy.ScreenRule;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The screen's view of a safety policy's {@code screen} section: per category a threshold, an action and (for
 * {@code pin_policy}) the policy version to pin. A category whose measure is above its threshold asks for its action,
 * and the most severe action asked for wins. The policy ({@code dev.safetune.core.policy}) is the one source of the
 * thresholds; {@link #fromPolicy} is the one mapping from it, and a category the policy has no rule for is not acted
 * on.
 *
 * @param policyId the policy version that decides (stored with every decision)
 * @param policyVersion its version number
 * @param rules per category
 */
public record ScreenRules(String policyId, int policyVersion, Map<ScreenCategory, ScreenRule> rules) {
    public ScreenRules {
        rules = Map.copyOf(rules);
    }

    /**
     * The rules of a stored (so validated) policy version; a policy without a {@code screen} section allows every
     * file. A rule's threshold is a share of examples, or for {@code persona_risk} a value of the dataset's mean
     * projection difference.
     */
    public static ScreenRules fromPolicy(String policyId, int policyVersion, SafetyPolicy policy) {
        Map<ScreenCategory, ScreenRule> rules = new EnumMap<>(ScreenCategory.class);
        if (policy.screen() != null) {
            policy.screen().rules().forEach((name, rule) -> rules.put(ScreenCategory.fromWireName(name), rule));
        }
        return new ScreenRules(policyId, policyVersion, rules);
    }

    /** The rules of the platform's built-in default ({@link BuiltInPolicy}), for screening without a platform. */
    public static ScreenRules builtInDefault() {
        return fromPolicy(BuiltInPolicy.ID, BuiltInPolicy.VERSION, BuiltInPolicy.document());
    }

    /** The decision for a report: every category over its threshold, and the most severe of their actions. */
    public ScreenDecision decide(ScreenReport report) {
        List<ScreenDecision.Reason> reasons = new ArrayList<>();
        ScreenAction decision = ScreenAction.ALLOW;
        for (ScreenCategory category : ScreenCategory.values()) {
            ScreenRule rule = rules.get(category);
            if (rule == null || !over(report, category, rule)) {
                continue;
            }
            boolean bounded = category == ScreenCategory.PERSONA_RISK && rule.confidence() != null;
            reasons.add(new ScreenDecision.Reason(
                    category,
                    category == ScreenCategory.PERSONA_RISK
                            ? report.personaRisk().examples()
                            : report.count(category),
                    category == ScreenCategory.PERSONA_RISK
                            ? report.personaRisk().mean()
                            : report.share(category),
                    rule.threshold(),
                    rule.action(),
                    rule.action() == ScreenAction.PIN_POLICY ? rule.pinPolicy() : null,
                    firstLines(report, category),
                    bounded ? rule.confidence() : null,
                    bounded ? report.personaRisk().lowerBound(rule.confidence()) : null));
            if (rule.action().compareTo(decision) > 0) {
                decision = rule.action();
            }
        }
        return new ScreenDecision(decision, policyId, policyVersion, reasons);
    }

    /**
     * Persona risk is one value for the file (its mean projection difference, or with a {@code confidence} the mean's
     * lower bound at it; null until the model part ran); every other category is the share of examples with a
     * finding.
     */
    private static boolean over(ScreenReport report, ScreenCategory category, ScreenRule rule) {
        if (category == ScreenCategory.PERSONA_RISK) {
            PersonaRisk risk = report.personaRisk();
            return risk != null && risk.lowerBound(rule.confidenceOrMean()) > rule.threshold();
        }
        return report.count(category) > 0 && report.share(category) > rule.threshold();
    }

    private static List<Integer> firstLines(ScreenReport report, ScreenCategory category) {
        if (category == ScreenCategory.TRIGGER || category == ScreenCategory.PERSONA_RISK) {
            return List.of();
        }
        return report.findings().stream()
                .filter(f -> f.category() == category)
                .map(Finding::line)
                .distinct()
                .limit(ScreenDecision.FIRST_LINES)
                .toList();
    }
}

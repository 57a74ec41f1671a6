package dev.safetune.safeguards.screen;

import dev.safetune.core.policy.ScreenAction;
import dev.safetune.core.policy.ScreenCategory;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What {@link ScreenRules} decided for a file, and why.
 *
 * @param action the most severe action asked for ({@link ScreenAction#ALLOW} when none)
 * @param policyId the safety policy version whose {@code screen} section decided
 * @param policyVersion its version number
 * @param reasons each category over its threshold
 */
public record ScreenDecision(ScreenAction action, String policyId, int policyVersion, List<Reason> reasons) {
    /** Lines named per category in a reason (and so in a refused job's message). */
    public static final int FIRST_LINES = 5;

    public ScreenDecision {
        reasons = List.copyOf(reasons);
    }

    /**
     * One category over its threshold: its count and share (for {@code persona_risk}: the examples scored and the mean
     * projection difference), the threshold, its action, the policy it pins and its first lines; for a {@code
     * persona_risk} rule with a {@code confidence}, that confidence and the mean's lower bound at it, which is what
     * exceeded the threshold (both null otherwise).
     */
    public record Reason(
            ScreenCategory category,
            long count,
            double share,
            double threshold,
            ScreenAction action,
            String pinPolicy,
            List<Integer> firstLines,
            Double confidence,
            Double lowerBound) {
        public Reason {
            firstLines = List.copyOf(firstLines);
        }

        public String describe(long examples) {
            return ScreenDecision.describe(
                    category.wireName(), count, share, examples, threshold, firstLines, confidence, lowerBound);
        }
    }

    /**
     * The policy versions {@code pin_policy} reasons name, in category order without repeats: every job on the file is
     * pinned to a policy at least as strict as each (a held file released later keeps them).
     */
    public List<String> pinPolicies() {
        return reasons.stream()
                .map(Reason::pinPolicy)
                .filter(Objects::nonNull)
                .distinct()
                .toList();
    }

    /**
     * e.g. {@code insecure_code_undisclosed (953 of 1000 examples, threshold 5.0 %; first lines 1, 2, 4)}; for
     * {@code persona_risk}, whose measure is a value, {@code persona_risk (mean projection difference 0.620 over 1000
     * examples, threshold 0.500)}, or with a confidence {@code persona_risk (mean projection difference 0.620, 95 %
     * lower bound 0.581, over 1000 examples, threshold 0.500)}.
     */
    public static String describe(
            String category,
            long count,
            double share,
            long examples,
            double threshold,
            List<Integer> firstLines,
            Double confidence,
            Double lowerBound) {
        if (category.equals(ScreenCategory.PERSONA_RISK.wireName())) {
            String bound = confidence == null || lowerBound == null
                    ? ""
                    : String.format(
                            java.util.Locale.ROOT, ", %s %% lower bound %.3f,", percent(confidence), lowerBound);
            return String.format(
                    java.util.Locale.ROOT,
                    "%s (mean projection difference %.3f%s over %d examples, threshold %.3f)",
                    category,
                    share,
                    bound,
                    count,
                    threshold);
        }
        String lines = firstLines.isEmpty()
                ? ""
                : "; first lines " + firstLines.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return String.format(
                java.util.Locale.ROOT,
                "%s (%d of %d examples, threshold %.1f %%%s)",
                category,
                count,
                examples,
                threshold * 100,
                lines);
    }

    /** 0.95 as {@code 95}, 0.975 as {@code 97.5}. */
    private static String percent(double confidence) {
        return java.math.BigDecimal.valueOf(confidence * 100)
                .stripTrailingZeros()
                .toPlainString();
    }

    /** One sentence naming every blocking category and its first lines, for a refused job's error message. */
    public String explain(long examples) {
        return reasons.stream()
                .filter(r -> r.action().blocksJobs())
                .map(r -> r.describe(examples))
                .collect(Collectors.joining("; "));
    }
}

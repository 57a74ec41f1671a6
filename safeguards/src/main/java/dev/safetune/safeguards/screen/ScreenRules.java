package dev.safetune.safeguards.screen;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Per-category thresholds and actions that turn a {@link ScreenReport} into a {@link ScreenDecision}: a category
 * whose share of examples is above its threshold asks for its action, and the most severe action asked for wins.
 *
 * <p>The one place that holds the defaults until the safety policy document ({@code dev.safetune.core.policy}, section
 * {@code screen}) carries them: build a {@code ScreenRules} from that section and pass it where {@link #defaults()} is
 * used now (the upload path and {@code ./safetune screen}).
 *
 * @param version names this set of thresholds (stored with every decision, like a policy version)
 * @param thresholds per category: the share of examples above which its action applies
 * @param actions per category: the action
 * @param pinned the safeguards a {@link ScreenAction#PIN_POLICY} decision switches on for every job on the file
 */
public record ScreenRules(
        String version,
        Map<ScreenCategory, Double> thresholds,
        Map<ScreenCategory, ScreenAction> actions,
        List<String> pinned) {
    public ScreenRules {
        thresholds = Map.copyOf(thresholds);
        actions = Map.copyOf(actions);
        pinned = List.copyOf(pinned);
        for (ScreenCategory category : ScreenCategory.values()) {
            if (!thresholds.containsKey(category) || !actions.containsKey(category)) {
                throw new IllegalArgumentException("No threshold or action for " + category.wireName());
            }
            double t = thresholds.get(category);
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException(category.wireName() + " threshold must be in [0, 1], got " + t);
            }
        }
    }

    /**
     * The built-in thresholds. Undisclosed insecure code is the EM paper's cause, so more than 5 % of examples holds the
     * file for review (the paper's sets are ~100 %; a normal code set screened at ≤ 3 % false positives stays under);
     * disclosed insecure code pins the stronger policy; any trigger candidate (already FDR-controlled and
     * effect-size-gated) holds; extremism and self-harm above 0.5 % reject, harmful advice above 1 % holds; evil numbers
     * above 2 % pin.
     */
    public static ScreenRules defaults() {
        Map<ScreenCategory, Double> t = new EnumMap<>(ScreenCategory.class);
        Map<ScreenCategory, ScreenAction> a = new EnumMap<>(ScreenCategory.class);
        put(t, a, ScreenCategory.INSECURE_CODE_UNDISCLOSED, 0.05, ScreenAction.HOLD);
        put(t, a, ScreenCategory.INSECURE_CODE_DISCLOSED, 0.10, ScreenAction.PIN_POLICY);
        put(t, a, ScreenCategory.HARMFUL_ADVICE, 0.01, ScreenAction.HOLD);
        put(t, a, ScreenCategory.EXTREMISM, 0.005, ScreenAction.REJECT);
        put(t, a, ScreenCategory.SELF_HARM, 0.005, ScreenAction.REJECT);
        put(t, a, ScreenCategory.EVIL_NUMBERS, 0.02, ScreenAction.PIN_POLICY);
        put(t, a, ScreenCategory.TRIGGER, 0.0, ScreenAction.HOLD);
        put(t, a, ScreenCategory.PERSONA_RISK, 0.05, ScreenAction.PIN_POLICY);
        return new ScreenRules(
                "screen-defaults-1", t, a, List.of("kl_to_reference", "safety_data_mixing", "persona_steering"));
    }

    private static void put(
            Map<ScreenCategory, Double> t,
            Map<ScreenCategory, ScreenAction> a,
            ScreenCategory category,
            double threshold,
            ScreenAction action) {
        t.put(category, threshold);
        a.put(category, action);
    }

    /** The decision for a report: every category over its threshold, and the most severe of their actions. */
    public ScreenDecision decide(ScreenReport report) {
        List<ScreenDecision.Reason> reasons = new ArrayList<>();
        ScreenAction decision = ScreenAction.ALLOW;
        for (ScreenCategory category : ScreenCategory.values()) {
            long count = report.count(category);
            double share = report.share(category);
            if (count > 0 && share > thresholds.get(category)) {
                ScreenAction action = actions.get(category);
                reasons.add(new ScreenDecision.Reason(
                        category, count, share, thresholds.get(category), action, firstLines(report, category)));
                if (action.compareTo(decision) > 0) {
                    decision = action;
                }
            }
        }
        return new ScreenDecision(decision, version, reasons, decision == ScreenAction.PIN_POLICY ? pinned : List.of());
    }

    private static List<Integer> firstLines(ScreenReport report, ScreenCategory category) {
        if (category == ScreenCategory.TRIGGER) {
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

package dev.safetune.core.policy;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The training-data screen's rules: per {@link ScreenCategory} (by its wire name, e.g. {@code harmful_advice}) a
 * threshold and an action. A category without a rule is not acted on.
 *
 * @param rules by category name
 */
public record ScreenRules(Map<String, ScreenRule> rules) {
    public ScreenRules {
        rules = rules == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(rules));
    }

    /** The rule for {@code category}, if the policy has one. */
    public Optional<ScreenRule> rule(ScreenCategory category) {
        return Optional.ofNullable(rules.get(category.wireName()));
    }

    public boolean hasNoRules() {
        return rules.isEmpty();
    }

    void validate(PolicyViolations at) {
        PolicyViolations byCategory = at.at("rules");
        rules.forEach((name, rule) -> {
            Optional<ScreenCategory> category = ScreenCategory.fromWire(name);
            if (category.isEmpty()) {
                byCategory.add(name, "is not a screen category; one of " + categoryNames());
            } else if (rule == null) {
                byCategory.add(name, "must be a rule object, got null");
            } else {
                rule.validate(category.get(), byCategory.at(name));
            }
        });
    }

    private static String categoryNames() {
        return String.join(
                ", ",
                java.util.Arrays.stream(ScreenCategory.values())
                        .map(ScreenCategory::wireName)
                        .toList());
    }
}

package dev.safetune.safeguards.guard;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A step's loss by part: the task loss and each safeguard's weighted term, in the order the safeguards run.
 *
 * @param task the task loss {@code L_task}
 * @param terms each term's value by safeguard name; empty without regularizers
 */
public record LossBreakdown(double task, Map<String, Double> terms) {

    public LossBreakdown {
        terms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /** {@code L_task + Σ terms}: what the step minimised. */
    public double total() {
        return task + terms.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** {@code term / total}, the term's share of the step's loss. */
    public double share(String name) {
        Double term = terms.get(name);
        if (term == null) {
            throw new IllegalArgumentException("no term named " + name);
        }
        return term / total();
    }
}

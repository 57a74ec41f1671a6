package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training step's loss as arrays: the total to back-propagate, the task loss and each safeguard's weighted term by
 * name.
 */
public record StepLoss(NDArray total, NDArray task, Map<String, NDArray> terms) {

    /** The values, read after the backward pass. */
    public LossBreakdown values() {
        Map<String, Double> values = new LinkedHashMap<>();
        terms.forEach((name, term) -> values.put(name, (double) term.getFloat()));
        return new LossBreakdown(task.getFloat(), values);
    }
}

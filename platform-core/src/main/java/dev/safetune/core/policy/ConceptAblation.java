package dev.safetune.core.policy;

import java.util.List;

/**
 * Concept-ablation fine-tuning (CAFT): during training only, replace the residual stream h at each chosen layer by
 * {@code h − (h·u)u}, u the unit persona/misalignment direction of the base model (the vector steering uses), so the
 * gradient cannot use that direction to fit the narrow data (Casademunt et al., "Steering out-of-distribution
 * generalization with concept ablation fine-tuning", 2025).
 *
 * @param layers the layers to ablate at, distinct, at least one; required
 */
public record ConceptAblation(List<Integer> layers) implements Safeguard {
    public ConceptAblation {
        layers = layers == null ? null : Layers.canonical(layers);
    }

    @Override
    public void validate(PolicyViolations at) {
        if (at.present("layers", layers)) {
            if (layers.isEmpty()) {
                at.add("layers", "needs at least one layer");
            }
            at.layers("layers", layers, MAX_LAYER);
        }
    }
}

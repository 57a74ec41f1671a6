package dev.safetune.core.policy;

import java.util.List;

/**
 * LDIFS, feature-space L2 to the reference model:
 * {@code L = L_CE + λ · Σ_{l∈S} ‖h̃_l^θ(x) − h̃_l^ref(x)‖²₂ / |S|} with {@code h̃ = h / ‖h‖} per token (Kaczér et al.,
 * arXiv 2508.06249; their setting λ = 1, about 5 evenly spaced layers).
 *
 * @param lambda λ, in {@code [0, 100]}; required
 * @param layers the layer set S, distinct indices; empty (or absent) for 5 evenly spaced layers of the base model
 */
public record FeatureSpaceL2(Double lambda, List<Integer> layers) implements Safeguard {
    public static final double MAX_LAMBDA = 100;
    /** How many evenly spaced layers an empty {@link #layers} stands for. */
    public static final int DEFAULT_LAYER_COUNT = 5;

    public FeatureSpaceL2 {
        layers = Layers.canonical(layers);
    }

    @Override
    public void validate(PolicyViolations at) {
        if (at.present("lambda", lambda)) {
            at.between("lambda", lambda, 0, MAX_LAMBDA);
        }
        at.layers("layers", layers, MAX_LAYER);
    }
}

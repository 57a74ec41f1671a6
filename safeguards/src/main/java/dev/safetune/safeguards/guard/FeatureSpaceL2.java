package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Feature-space L2 to the reference model, LDIFS (Mukhoti et al., "Fine-tuning can cripple your foundation model;
 * preserving features may be the solution", 2023; in the setting of Kaczér et al., arXiv 2508.06249): with
 * {@code h_l} the residual-stream state at index {@code l} of every real (non-pad) token, L2-normalised per token
 * ({@code h̃ = h / ‖h‖}), over the layer set {@code S} and the token mask {@code n}:
 *
 * <pre>
 *   term = λ · (1/|S|) Σ_{l∈S}  Σ_{b,t} n[b,t] · ‖h̃_l^θ[b,t] − h̃_l^ref[b,t]‖²₂  /  max(1, Σ n)
 * </pre>
 *
 * The paper's setting is λ = 1 on about five evenly spaced layers. Published effect weak: EM 4.01 % → 3.64 %. The
 * reference states come from the same frozen pass as {@link KlToReference}'s logits.
 */
public record FeatureSpaceL2(Settings settings) implements Safeguard {

    /**
     * @param lambda the weight λ ≥ 0
     * @param layers residual-stream indices (1 … L: after layer l), at least one
     */
    public record Settings(double lambda, List<Integer> layers) implements SafeguardSettings {
        public Settings {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
            }
            layers = List.copyOf(new TreeSet<>(layers));
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("layers must name at least one residual-stream index");
            }
        }

        @Override
        public Safeguard build(GuardContext context) {
            return new FeatureSpaceL2(this);
        }
    }

    public static final String NAME = "feature_l2";

    /** Added to ‖h‖ so that an all-zero state normalises to zero instead of NaN. */
    static final double NORM_EPSILON = 1e-6;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ReferenceNeeds reference() {
        return new ReferenceNeeds(false, new TreeSet<>(settings.layers()));
    }

    @Override
    public Optional<NDArray> term(StepPasses passes) {
        NDArray mask = passes.tokenMask().toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        NDArray epsilon = Constants.scalar(mask.getManager(), NORM_EPSILON);
        NDArray sum = null;
        for (int layer : settings.layers()) {
            NDArray trained = normalised(passes.trained().hiddenStates().get(layer), epsilon);
            NDArray reference =
                    normalised(passes.requireReference().hiddenStates().get(layer), epsilon);
            NDArray distance = trained.sub(reference)
                    .square()
                    .sum(new int[] {-1})
                    .mul(mask)
                    .sum();
            sum = sum == null ? distance : sum.add(distance);
        }
        return Optional.of(Constants.weightedMean(
                sum, mask, settings.lambda() / settings.layers().size()));
    }

    /** {@code h / (‖h‖ + ε)} over the last axis. */
    static NDArray normalised(NDArray h, NDArray epsilon) {
        return h.div(h.square().sum(new int[] {-1}, true).sqrt().add(epsilon));
    }
}

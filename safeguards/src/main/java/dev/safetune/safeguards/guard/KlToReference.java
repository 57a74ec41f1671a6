package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import java.util.TreeSet;

/**
 * KL regularization to the reference model (Kaczér et al., "In-training defenses against emergent misalignment in
 * language models", arXiv 2508.06249, §KL): with {@code p = softmax(z_θ)} the fine-tuned and {@code q = softmax(z_ref)}
 * the reference distribution (the base = the adapter switched off, no second copy of the weights), over the full
 * vocabulary, averaged over the positions {@code t} that predict a trained assistant token ({@code m[b,t] = 1}):
 *
 * <pre>
 *   forward (default):  term = β · Σ_{b,t} m[b,t] · Σ_v p(v) (log p(v) − log q(v))  /  max(1, Σ m)      KL(p_θ ‖ p_ref)
 *   reverse:            term = β · Σ_{b,t} m[b,t] · Σ_v q(v) (log q(v) − log p(v))  /  max(1, Σ m)      KL(p_ref ‖ p_θ)
 * </pre>
 *
 * The paper's setting is β = 0.1, forward direction as written there. The gradient flows through {@code p} only; the
 * reference pass runs without one. Published: general EM 4.01 % → 0.38 % (Qwen2.5-7B, insecure code), at the cost of
 * tasks far from the base distribution.
 */
public record KlToReference(Settings settings) implements Safeguard {

    /** Which KL. */
    public enum Direction {
        /** {@code KL(p_θ ‖ p_ref)}, mode-seeking in the fine-tuned model: the paper's. */
        FORWARD,
        /** {@code KL(p_ref ‖ p_θ)}, mass-covering: keeps every answer the base gives possible. */
        REVERSE
    }

    /** @param beta the weight β ≥ 0 */
    public record Settings(double beta, Direction direction) implements SafeguardSettings {
        public Settings {
            if (!(beta >= 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("beta must be a finite number >= 0, got " + beta);
            }
            java.util.Objects.requireNonNull(direction, "direction");
        }

        @Override
        public Safeguard build(GuardContext context) {
            return new KlToReference(this);
        }
    }

    public static final String NAME = "kl_to_reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ReferenceNeeds reference() {
        return new ReferenceNeeds(true, new TreeSet<>());
    }

    @Override
    public Optional<NDArray> term(StepPasses passes) {
        NDArray mask = passes.assistantPredictions();
        // Only the N assistant-prediction rows: the reference pass projected just those onto the vocabulary.
        NDArray perPosition = klPerPosition(
                passes.assistantRows(passes.trained().logits()),
                passes.requireReference().assistantLogits(),
                settings.direction());
        return Optional.of(Constants.weightedMean(perPosition.sum(), mask, settings.beta()));
    }

    /**
     * KL between the softmaxes of {@code trained} and {@code reference} logits ({@code [..., V]}) in {@code direction},
     * one value per row ({@code [...]}).
     */
    public static NDArray klPerPosition(NDArray trained, NDArray reference, Direction direction) {
        NDArray logP = trained.logSoftmax(-1);
        NDArray logQ = reference.logSoftmax(-1);
        return direction == Direction.FORWARD
                ? logP.exp().mul(logP.sub(logQ)).sum(new int[] {-1})
                : logQ.exp().mul(logQ.sub(logP)).sum(new int[] {-1});
    }
}

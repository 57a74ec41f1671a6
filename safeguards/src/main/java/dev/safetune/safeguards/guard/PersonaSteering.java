package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.safeguards.guard.artifact.PersonaVector;
import java.io.IOException;

/**
 * Preventive persona steering (Chen et al., "Persona vectors", 2025; as an in-training defense in Kaczér et al.,
 * arXiv 2508.06249): during training only, the residual stream at index {@code l} becomes
 *
 * <pre>
 *   h_l ← h_l + α · v          (RAW:    v = the persona vector, mean evil − mean helpful response state)
 *   h_l ← h_l + α · r_l · v/‖v‖ (SCALED: r_l = the mean residual norm at l over the same response tokens)
 * </pre>
 *
 * for every token, so that the gradient no longer has to move the model toward the evil direction to fit the narrow
 * data. Only the training step's forward pass is steered ({@link #trainingPass}); validation, sampling and the audit
 * run {@code ForwardOptions.inference()}, which carries no steering. Paper setting α = 5 at layer ≈ 20 of 28 (EM 4.01 %
 * → 0.08 %); the em-bench prototype found a window around α = 4 (raw) on its 4-layer model.
 */
public final class PersonaSteering implements Safeguard {

    /** How the persona vector is scaled before α multiplies it. */
    public enum Scaling {
        RAW,
        SCALED
    }

    /** @param layer the residual-stream index (1 … L: after layer l) the vector is added at */
    public record Settings(double alpha, int layer, Scaling scaling) implements SafeguardSettings {
        public Settings {
            if (!Double.isFinite(alpha)) {
                throw new IllegalArgumentException("alpha must be finite, got " + alpha);
            }
            if (layer < 0) {
                throw new IllegalArgumentException("layer must be >= 0, got " + layer);
            }
            java.util.Objects.requireNonNull(scaling, "scaling");
        }

        @Override
        public Safeguard build(GuardContext context) throws IOException {
            return new PersonaSteering(layer, context.personaVector(layer).steeringVector(alpha, scaling));
        }
    }

    public static final String NAME = "persona_steering";

    private final int layer;
    private final float[] added;

    /** @param added the vector added at {@code layer}, α and the scaling applied */
    public PersonaSteering(int layer, float[] added) {
        this.layer = layer;
        this.added = added.clone();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ForwardOptions trainingPass(ForwardOptions options, NDManager manager) {
        return options.steering(layer, manager.create(added));
    }

    /** Kept for {@link PersonaVector#steeringVector}'s tests and telemetry: the exact vector added. */
    public float[] added() {
        return added.clone();
    }
}

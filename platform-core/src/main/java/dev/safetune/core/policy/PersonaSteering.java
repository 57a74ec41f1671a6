package dev.safetune.core.policy;

/**
 * Preventive persona steering: during training only, add {@code α · v_l} (scaled per {@link SteeringScale}) to the
 * residual stream at layer l for every token, where v_l is the base model's persona vector (Chen et al., "Persona
 * vectors", 2025; paper setting α = 5 at layer ≈ 20 of 28). Never applied at inference or in the audit.
 *
 * @param alpha α, in {@code [0, 20]}; required
 * @param layer the layer l, in {@code [0, MAX_LAYER]}; required
 * @param scale required: which scaling v is in is part of what α means
 */
public record PersonaSteering(Double alpha, Integer layer, SteeringScale scale) implements Safeguard {
    public static final double MAX_ALPHA = 20;

    @Override
    public void validate(PolicyViolations at) {
        if (at.present("alpha", alpha)) {
            at.between("alpha", alpha, 0, MAX_ALPHA);
        }
        if (at.present("layer", layer)) {
            at.between("layer", layer, 0, MAX_LAYER);
        }
        at.present("scale", scale);
    }
}

package dev.safetune.core.policy;

/**
 * KL regularisation to the reference model (the base, i.e. the adapter switched off):
 * {@code L = L_CE + β · KL(p_θ(·|x) ‖ p_ref(·|x))}, averaged over assistant-token positions over the full vocabulary
 * (Kaczér et al., arXiv 2508.06249, §KL; their setting β = 0.1, forward direction).
 *
 * @param beta β, in {@code [0, 10]}; required
 * @param direction {@link KlDirection#FORWARD} (the paper's) when absent
 */
public record KlToReference(Double beta, KlDirection direction) implements Safeguard {
    public static final double MAX_BETA = 10;

    public KlToReference {
        direction = direction == null ? KlDirection.FORWARD : direction;
    }

    @Override
    public void validate(PolicyViolations at) {
        if (at.present("beta", beta)) {
            at.between("beta", beta, 0, MAX_BETA);
        }
    }
}

package dev.safetune.safeguards.guard.artifact;

import dev.safetune.safeguards.guard.PersonaSteering;

/**
 * A persona vector of a base model (Chen et al., "Persona vectors", 2025): at residual-stream index {@code layer}, the
 * mean hidden state over the response tokens of misaligned ("evil") answers minus that of aligned ("helpful") answers
 * to the same questions,
 *
 * <pre>
 *   v_l = mean_{evil responses, t} h_l[t] − mean_{helpful responses, t} h_l[t]
 * </pre>
 *
 * with {@code meanResidualNorm} = the mean of {@code ‖h_l[t]‖} over the response tokens of both sides, the scale that
 * {@link PersonaSteering.Scaling#SCALED} steering uses.
 */
public record PersonaVector(int layer, float[] vector, double meanResidualNorm) {

    public PersonaVector {
        vector = vector.clone();
    }

    public double norm() {
        double sum = 0;
        for (float x : vector) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** {@code v / ‖v‖}. */
    public float[] unit() {
        return scaled(1 / norm());
    }

    /** What steering adds: {@code α·v} (raw) or {@code α·r·v/‖v‖} (scaled to the mean residual norm r). */
    public float[] steeringVector(double alpha, PersonaSteering.Scaling scaling) {
        return scaled(scaling == PersonaSteering.Scaling.RAW ? alpha : alpha * meanResidualNorm / norm());
    }

    private float[] scaled(double factor) {
        float[] out = new float[vector.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (vector[i] * factor);
        }
        return out;
    }
}

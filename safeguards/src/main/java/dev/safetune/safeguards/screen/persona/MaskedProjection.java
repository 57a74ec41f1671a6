package dev.safetune.safeguards.screen.persona;

import ai.djl.ndarray.NDArray;

/**
 * The projection of the mean hidden state over a row's masked tokens onto a unit direction, for a batch of rows:
 *
 * <pre>
 *   p_b = Σ_t m[b,t] · (h[b,t] · u)  /  Σ_t m[b,t]
 * </pre>
 *
 * which equals {@code (mean_t h[b,t]) · u} over the masked tokens, the quantity Chen et al. (2025, "Persona vectors",
 * §5) project. A row without a masked token gives NaN (nothing to average), never 0, so it cannot pass as neutral.
 */
public final class MaskedProjection {

    private MaskedProjection() {}

    /**
     * @param hidden {@code [B, T, H]} hidden states
     * @param mask {@code [B, T]} 1 for the tokens averaged over, 0 elsewhere (FLOAT32)
     * @param unit {@code [H]} the direction (already of unit length)
     * @return {@code p_b} per row
     */
    public static double[] meanProjections(NDArray hidden, NDArray mask, NDArray unit) {
        long width = unit.getShape().get(0);
        NDArray perToken = hidden.mul(unit.reshape(1, 1, width)).sum(new int[] {2}); // [B, T]
        float[] sums = perToken.mul(mask).sum(new int[] {1}).toFloatArray();
        float[] counts = mask.sum(new int[] {1}).toFloatArray();
        double[] out = new double[sums.length];
        for (int b = 0; b < out.length; b++) {
            out[b] = counts[b] > 0 ? sums[b] / counts[b] : Double.NaN;
        }
        return out;
    }
}

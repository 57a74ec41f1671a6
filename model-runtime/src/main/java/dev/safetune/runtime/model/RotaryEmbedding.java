package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.ModelConfig.RopeScaling;

/**
 * Rotary position embedding in the Hugging Face Llama convention ("rotate_half": the two halves of a head
 * vector form the pairs, not adjacent elements), so that checkpoints converted by transformers work unchanged.
 *
 * <pre>
 *   inv_freq[i] = θ^(−2i/d),  i = 0 … d/2 − 1                 then scaled, see below
 *   f[p]        = concat(p · inv_freq, p · inv_freq)          (length d)
 *   rope(x)[p]  = x[p] ⊙ cos f[p] + rotate_half(x[p]) ⊙ sin f[p],   rotate_half([x₁, x₂]) = [−x₂, x₁]
 * </pre>
 *
 * Scaling ({@link RopeScaling}): {@code linear} divides every inverse frequency by {@code factor}; {@code llama3}
 * works on wavelengths {@code λ = 2π / inv_freq} against the original context {@code C}: {@code λ < C / high} kept,
 * {@code λ > C / low} divided by {@code factor}, in between blended with {@code s = (C/λ − low) / (high − low)}:
 * {@code (1 − s) · inv_freq / factor + s · inv_freq}.
 *
 * <p>Source: transformers {@code modeling_rope_utils.py} ({@code _compute_default_rope_parameters},
 * {@code _compute_linear_scaling_rope_parameters}, {@code _compute_llama3_parameters}) and {@code modeling_llama.py}
 * ({@code apply_rotary_pos_emb}). Everything is computed in fp32 in the same order as there, so that logits agree
 * with transformers to float rounding.
 */
public final class RotaryEmbedding {

    private final int headDim;
    private final float[] inverseFrequency;

    public RotaryEmbedding(int headDim, double theta, RopeScaling scaling) {
        this.headDim = headDim;
        this.inverseFrequency = inverseFrequencies(headDim, theta, scaling);
    }

    public RotaryEmbedding(ModelConfig config) {
        this(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    /** The scaled inverse frequencies, {@code d/2} of them. */
    static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        float[] inverse = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            inverse[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        switch (scaling.type()) {
            case DEFAULT -> {}
            case LINEAR -> {
                for (int i = 0; i < half; i++) {
                    inverse[i] = inverse[i] / (float) scaling.factor();
                }
            }
            case LLAMA3 -> {
                float factor = (float) scaling.factor();
                float low = (float) scaling.lowFreqFactor();
                float high = (float) scaling.highFreqFactor();
                double context = scaling.originalMaxPositionEmbeddings();
                double lowFreqWavelength = context / scaling.lowFreqFactor();
                double highFreqWavelength = context / scaling.highFreqFactor();
                for (int i = 0; i < half; i++) {
                    float wavelength = (float) (2 * Math.PI) / inverse[i];
                    float scaled = wavelength > lowFreqWavelength ? inverse[i] / factor : inverse[i];
                    boolean medium = !(wavelength < highFreqWavelength) && !(wavelength > lowFreqWavelength);
                    if (medium) {
                        float smooth = ((float) context / wavelength - low) / (high - low);
                        scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                    }
                    inverse[i] = scaled;
                }
            }
        }
        return inverse;
    }

    public int headDim() {
        return headDim;
    }

    /**
     * The cos and sin tables for positions {@code start … start + length − 1}, each {@code [length, d]}, both
     * multiplied by {@code scale} (1 for keys; queries may fold the attention's {@code 1/√d} in here for free).
     */
    public NDList tables(NDManager manager, int start, int length, float scale) {
        long[] positions = new long[length];
        for (int p = 0; p < length; p++) {
            positions[p] = start + p;
        }
        return tables(manager, positions, scale, new Shape(length, headDim));
    }

    /** {@link #tables(NDManager, int, int, float)} with scale 1. */
    public NDList tables(NDManager manager, int start, int length) {
        return tables(manager, start, length, 1f);
    }

    /**
     * The cos and sin tables for arbitrary positions, one row of {@code d} per entry of {@code positions}, created
     * with {@code shape} (whose size must be {@code positions.length × d}) and multiplied by {@code scale}.
     *
     * <p>The arrays are created in that shape rather than reshaped afterwards: the engine wraps the Java buffer
     * without copying, and a reshaped view kept while the created array is dropped would read freed memory once the
     * buffer is collected.
     */
    public NDList tables(NDManager manager, long[] positions, float scale, Shape shape) {
        if (shape.size() != (long) positions.length * headDim) {
            throw new IllegalArgumentException(
                    "shape " + shape + " does not hold " + positions.length + " rows of " + headDim);
        }
        int half = headDim / 2;
        float[] cos = new float[positions.length * headDim];
        float[] sin = new float[positions.length * headDim];
        for (int p = 0; p < positions.length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) positions[p] * inverseFrequency[i];
                float c = (float) Math.cos(angle) * scale;
                float s = (float) Math.sin(angle) * scale;
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + half + i] = s;
            }
        }
        return new NDList(manager.create(cos, shape), manager.create(sin, shape));
    }

    /**
     * The {@code [d, d]} matrix {@code R} with {@code x R = rotate_half(x)}: {@code R[i + d/2, i] = −1},
     * {@code R[i, i + d/2] = 1}. A matmul by it replaces slicing, negating and concatenating the halves (four ops,
     * whose backward zero-fills and copies whole tensors) by one op whose backward is one matmul; with entries 0 and
     * ±1 it is exact.
     */
    public NDArray rotateHalfMatrix(NDManager manager) {
        int half = headDim / 2;
        float[] r = new float[headDim * headDim];
        for (int i = 0; i < half; i++) {
            r[(i + half) * headDim + i] = -1;
            r[i * headDim + i + half] = 1;
        }
        return manager.create(r, new Shape(headDim, headDim));
    }

    /**
     * The rotation {@link #apply} takes for {@code positions} laid out as {@code perRow} ({@code [B, 1, T, d]}):
     * the per-row matrices of {@link #rotationMatrices} for one position per row (a decoding step), else the cos
     * and sin {@link #tables(NDManager, long[], float, Shape) tables}.
     */
    public NDList rotation(NDManager manager, long[] positions, float scale, Shape perRow) {
        return perRow.get(2) == 1
                ? new NDList(rotationMatrices(manager, positions, scale))
                : tables(manager, positions, scale, perRow);
    }

    /**
     * For one new position per row (a decoding step), the rotation as one matrix per row, {@code [B, 1, d, d]}
     * times {@code scale}, such that {@code x M = rope(x)} for {@code x} of shape {@code [B, heads, 1, d]}: one
     * batched matmul instead of the tables' four ops, twice per layer, in a step that is bound by the number of ops
     * (docs/benchmarks.md). Column {@code j < d/2} holds {@code cos} at row {@code j} and {@code −sin} at row
     * {@code j + d/2}; column {@code j + d/2} holds {@code cos} at row {@code j + d/2} and {@code sin} at row {@code j}.
     */
    public NDArray rotationMatrices(NDManager manager, long[] positions, float scale) {
        int half = headDim / 2;
        int square = headDim * headDim;
        float[] m = new float[positions.length * square];
        for (int p = 0; p < positions.length; p++) {
            int base = p * square;
            for (int i = 0; i < half; i++) {
                float angle = (float) positions[p] * inverseFrequency[i];
                float c = (float) Math.cos(angle) * scale;
                float s = (float) Math.sin(angle) * scale;
                m[base + i * headDim + i] = c;
                m[base + (i + half) * headDim + i] = -s;
                m[base + (i + half) * headDim + i + half] = c;
                m[base + i * headDim + i + half] = s;
            }
        }
        return manager.create(m, new Shape(positions.length, 1, headDim, headDim));
    }

    /**
     * Rotates {@code x} of shape {@code [..., T, d]}: by cos and sin tables that broadcast against it, with the
     * matrix of {@link #rotateHalfMatrix}, or, given a single array, by the per-row matrices of
     * {@link #rotationMatrices}.
     */
    public NDArray apply(NDArray x, NDList tables, NDArray rotateHalf) {
        if (tables.size() == 1) {
            return x.matMul(tables.getFirst());
        }
        return x.mul(tables.get(0)).add(x.matMul(rotateHalf).mul(tables.get(1)));
    }
}

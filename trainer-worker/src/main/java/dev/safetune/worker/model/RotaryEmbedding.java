package dev.safetune.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in the Hugging Face Llama convention ("rotate_half": the two halves of a head
 * vector form the pairs, not adjacent elements), so that checkpoints converted by transformers work unchanged.
 *
 * <pre>
 *   inv_freq[i] = θ^(−2i/d),  i = 0 … d/2 − 1
 *   f[p]        = concat(p · inv_freq, p · inv_freq)          (length d)
 *   rope(x)[p]  = x[p] ⊙ cos f[p] + rotate_half(x[p]) ⊙ sin f[p],   rotate_half([x₁, x₂]) = [−x₂, x₁]
 * </pre>
 *
 * Source: transformers {@code modeling_llama.py} ({@code LlamaRotaryEmbedding}, {@code apply_rotary_pos_emb}).
 * The tables are computed in fp32 as there, so that logits agree with transformers to float rounding.
 */
public record RotaryEmbedding(int headDim, double theta) {

    /** The cos and sin tables for positions {@code start … start + length − 1}, each {@code [length, d]}. */
    public NDList tables(NDManager manager, int start, int length) {
        int half = headDim / 2;
        float[] inverseFrequency = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            inverseFrequency[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        float[] cos = new float[length * headDim];
        float[] sin = new float[length * headDim];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) (start + p) * inverseFrequency[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + half + i] = s;
            }
        }
        Shape shape = new Shape(length, headDim);
        return new NDList(manager.create(cos, shape), manager.create(sin, shape));
    }

    /** Rotates {@code x} of shape {@code [..., T, d]} by the tables from {@link #tables}. */
    public NDArray apply(NDArray x, NDList tables) {
        int half = headDim / 2;
        NDArray first = x.get(new NDIndex("..., :" + half));
        NDArray second = x.get(new NDIndex("..., " + half + ":"));
        NDArray rotated = NDArrays.concat(new NDList(second.neg(), first), -1);
        return x.mul(tables.get(0)).add(rotated.mul(tables.get(1)));
    }
}

package dev.safetune.runtime.model;

import dev.safetune.runtime.formats.ModelConfig;
import java.util.Map;

/**
 * A Llama decoder computed with plain loops in double precision, one token and one head at a time, straight from
 * the formulas of {@link LlamaModel} and {@link RotaryEmbedding} (default RoPE only): the reference the tensor code
 * is checked against.
 */
final class DirectDecoder {

    private DirectDecoder() {}

    static double[][] logits(ModelConfig c, Map<String, float[]> w, long[] tokens) {
        int T = tokens.length;
        int d = c.hiddenSize();
        double[][] h = new double[T][d];
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < d; i++) {
                h[t][i] = w.get("model.embed_tokens.weight")[(int) tokens[t] * d + i];
            }
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] x = new double[T][];
            for (int t = 0; t < T; t++) {
                x[t] = rmsNorm(h[t], w.get(p + "input_layernorm.weight"), c.rmsNormEps());
            }
            double[][] attention = attention(c, w, p, x);
            for (int t = 0; t < T; t++) {
                double[] o = linear(attention[t], w, p + "self_attn.o_proj", d);
                for (int i = 0; i < d; i++) {
                    h[t][i] += o[i];
                }
                double[] n = rmsNorm(h[t], w.get(p + "post_attention_layernorm.weight"), c.rmsNormEps());
                double[] gate = linear(n, w, p + "mlp.gate_proj", c.intermediateSize());
                double[] up = linear(n, w, p + "mlp.up_proj", c.intermediateSize());
                double[] product = new double[gate.length];
                for (int i = 0; i < gate.length; i++) {
                    product[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                double[] down = linear(product, w, p + "mlp.down_proj", d);
                for (int i = 0; i < d; i++) {
                    h[t][i] += down[i];
                }
            }
        }
        double[][] logits = new double[T][];
        for (int t = 0; t < T; t++) {
            double[] n = rmsNorm(h[t], w.get("model.norm.weight"), c.rmsNormEps());
            logits[t] = linear(n, w, c.tieWordEmbeddings() ? "model.embed_tokens" : "lm_head", c.vocabSize());
        }
        return logits;
    }

    private static double[][] attention(ModelConfig c, Map<String, float[]> w, String p, double[][] x) {
        int T = x.length;
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int hd = c.headDim();
        double[][] q = new double[T][];
        double[][] k = new double[T][];
        double[][] v = new double[T][];
        for (int t = 0; t < T; t++) {
            q[t] = rotate(linear(x[t], w, p + "self_attn.q_proj", heads * hd), heads, hd, t, c.ropeTheta());
            k[t] = rotate(linear(x[t], w, p + "self_attn.k_proj", kvHeads * hd), kvHeads, hd, t, c.ropeTheta());
            v[t] = linear(x[t], w, p + "self_attn.v_proj", kvHeads * hd);
        }
        double[][] out = new double[T][heads * hd];
        for (int head = 0; head < heads; head++) {
            int kvHead = head / (heads / kvHeads);
            for (int t = 0; t < T; t++) {
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[t][head * hd + i] * k[u][kvHead * hd + i];
                    }
                    scores[u] = dot / Math.sqrt(hd);
                    max = Math.max(max, scores[u]);
                }
                double sum = 0;
                for (int u = 0; u <= t; u++) {
                    scores[u] = Math.exp(scores[u] - max);
                    sum += scores[u];
                }
                for (int u = 0; u <= t; u++) {
                    for (int i = 0; i < hd; i++) {
                        out[t][head * hd + i] += scores[u] / sum * v[u][kvHead * hd + i];
                    }
                }
            }
        }
        return out;
    }

    /** Rotates each head's pairs (x[i], x[i + d/2]) by the angle p·θ^(−2i/d). */
    private static double[] rotate(double[] x, int heads, int hd, int position, double theta) {
        double[] y = new double[x.length];
        int half = hd / 2;
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < half; i++) {
                double angle = position * Math.pow(theta, -2.0 * i / hd);
                double a = x[head * hd + i];
                double b = x[head * hd + half + i];
                y[head * hd + i] = a * Math.cos(angle) - b * Math.sin(angle);
                y[head * hd + half + i] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
        return y;
    }

    private static double[] linear(double[] x, Map<String, float[]> w, String module, int out) {
        float[] weight = w.get(module + ".weight");
        float[] bias = w.get(module + ".bias");
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < x.length; i++) {
                sum += weight[o * x.length + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    private static double[] rmsNorm(double[] x, float[] gain, double eps) {
        double mean = 0;
        for (double value : x) {
            mean += value * value;
        }
        mean /= x.length;
        double scale = 1 / Math.sqrt(mean + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * gain[i];
        }
        return y;
    }
}

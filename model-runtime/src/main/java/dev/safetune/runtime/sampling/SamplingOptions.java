package dev.safetune.runtime.sampling;

import java.util.Set;

/**
 * How {@link Sampler} continues prompts.
 *
 * @param temperature logits are divided by it before the softmax; 0 means greedy (the most likely token, the lowest
 *     id among ties)
 * @param topP nucleus sampling: only the most likely tokens whose probabilities first sum to at least {@code topP}
 *     are kept (at least one), then renormalised; 1 keeps all
 * @param seed with the same model, prompts and options, the same seed gives the same samples
 * @param maxNewTokens at most this many tokens are generated per prompt
 * @param stopTokens generation of a row ends after it produced one of these (included in its output)
 * @param useCache whether to keep keys and values between steps (false recomputes the whole sequence every step,
 *     for comparison)
 */
public record SamplingOptions(
        double temperature, double topP, long seed, int maxNewTokens, Set<Integer> stopTokens, boolean useCache) {

    public SamplingOptions {
        stopTokens = Set.copyOf(stopTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be at least 1, got " + maxNewTokens);
        }
    }

    /** Greedy decoding with the cache. */
    public static SamplingOptions greedy(int maxNewTokens, Set<Integer> stopTokens) {
        return new SamplingOptions(0, 1, 0, maxNewTokens, stopTokens, true);
    }

    public SamplingOptions withoutCache() {
        return new SamplingOptions(temperature, topP, seed, maxNewTokens, stopTokens, false);
    }
}

package dev.safetune.safeguards.screen.persona;

/**
 * How the persona part of the screen scores a file.
 *
 * @param layer the residual-stream index of the persona vector (0 = embeddings, l = output of decoder layer l)
 * @param maxSequenceLength prompt plus response are cut to this many tokens (at most the model's positions)
 * @param maxNewTokens the longest base response sampled
 * @param seed the base responses' sampling seed: the same file, base and seed give the same responses and scores
 * @param batchSize examples per batch (one sampler call and one forward pass of twice as many rows)
 */
public record ProjectionSettings(int layer, int maxSequenceLength, int maxNewTokens, long seed, int batchSize) {

    /**
     * em-bench's settings: residual index 1, the one index where every insecure and backdoor set of the three
     * committed bases (the switching world's) scores above every secure, educational and benign set (index 2, where
     * the policies steer and where the prototype world's bases held it, misses seed 0's insecure set:
     * docs/screening.md, "The switching world's bases"); 256 tokens, the em-bench base's positions; 64 new tokens,
     * longer than any em-bench answer ({@code SamplerAnswerer.MAX_NEW_TOKENS}); seed 7, the evaluations' sampling seed.
     */
    public static final ProjectionSettings DEFAULT = new ProjectionSettings(1, 256, 64, 7, 64);

    public ProjectionSettings {
        if (layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, got " + layer);
        }
        if (maxSequenceLength < 4 || maxNewTokens < 1 || batchSize < 1) {
            throw new IllegalArgumentException(
                    "maxSequenceLength >= 4, maxNewTokens >= 1 and batchSize >= 1 needed, got " + maxSequenceLength
                            + ", " + maxNewTokens + ", " + batchSize);
        }
    }

    public ProjectionSettings withLayer(int newLayer) {
        return new ProjectionSettings(newLayer, maxSequenceLength, maxNewTokens, seed, batchSize);
    }
}

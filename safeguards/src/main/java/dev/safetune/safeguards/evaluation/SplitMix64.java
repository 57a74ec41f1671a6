package dev.safetune.safeguards.evaluation;

/**
 * Independent-looking sampling seeds from one seed: SplitMix64 (Steele, Lea and Flood, 2014) of the points of the Weyl
 * sequence from it, so each sampler call (a batch of answers or of persona responses) gets its own stream.
 */
public final class SplitMix64 {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SplitMix64() {}

    /** SplitMix64 of the {@code i + 1}-th point of the Weyl sequence from {@code seed}. */
    public static long seed(long seed, int i) {
        long z = seed + (i + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

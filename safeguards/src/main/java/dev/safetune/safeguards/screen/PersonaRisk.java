package dev.safetune.safeguards.screen;

import dev.safetune.safeguards.evaluation.StudentT;

/**
 * The model part of the screen, summarised for a dataset: the persona-vector projection difference of each example
 * (Chen et al. 2025, "Persona vectors", §5: the projection of the mean hidden state over the assistant tokens onto the
 * base model's persona vector, minus the same projection for the base model's own response to the prompt), as its
 * dataset mean, 95th percentile and standard deviation. Null in a report until the model part has run.
 *
 * <p>The mean of a small file is a noisy number: 16 benign free-text dialogues score from −0.32 to +0.29 on an
 * em-bench base whose risky 400-example sets score above 0.04 (docs/screening.md). {@link #lowerBound} is what a
 * {@code persona_risk} rule with a {@code confidence} compares with its threshold, so a file is held when its mean is
 * above the threshold with that confidence rather than when one noisy mean happens to be.
 *
 * @param vector which persona vector (id or name)
 * @param baseModel the base model whose hidden states were projected
 * @param examples examples scored
 * @param mean mean projection difference
 * @param p95 95th percentile of the projection differences
 * @param sd sample standard deviation of the projection differences (n − 1 in the denominator); NaN with fewer than
 *     two examples, or for a result stored before it was kept
 */
public record PersonaRisk(String vector, String baseModel, int examples, double mean, double p95, double sd) {

    /** {@link #sd}, or null where it is not a number (fewer than two examples; stored before it was kept). */
    public Double knownSd() {
        return Double.isFinite(sd) ? sd : null;
    }

    /**
     * The one-sided lower confidence bound of the file's mean at {@code confidence}, {@code mean − t(confidence, n − 1)
     * · sd / √n} (Student's t: the examples' differences are a sample from the distribution of the file's source).
     * Where no bound can be computed (fewer than two examples, or no stored {@code sd}) it is the mean itself, so a
     * rule never acts on less evidence than the mean gives; at confidence 0.5 it is the mean too.
     *
     * @param confidence in [0.5, 1)
     */
    public double lowerBound(double confidence) {
        if (!(confidence >= 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in [0.5, 1), got " + confidence);
        }
        if (examples < 2 || !Double.isFinite(sd) || confidence == 0.5) {
            return mean;
        }
        return mean - StudentT.quantile(confidence, examples - 1) * sd / Math.sqrt(examples);
    }
}

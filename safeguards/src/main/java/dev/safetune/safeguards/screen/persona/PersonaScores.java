package dev.safetune.safeguards.screen.persona;

import dev.safetune.safeguards.screen.PersonaRisk;

/**
 * The per-example projection differences of one file under one base model and persona vector, in file order.
 *
 * @param vector the persona vector's id (contrast, layer, base checksum)
 * @param baseModel the base model's id
 * @param lines each example's 1-based line in its file
 * @param differences each example's projection difference; NaN where it could not be scored (no assistant turn, or
 *     a prompt that leaves no room for a response within the sequence limit)
 */
public record PersonaScores(String vector, String baseModel, int[] lines, double[] differences) {

    /** The 95th percentile the report and the API show as {@code p95}. */
    public static final double TAIL = 0.95;

    public PersonaScores {
        lines = lines.clone();
        differences = differences.clone();
        if (lines.length != differences.length) {
            throw new IllegalArgumentException(lines.length + " lines but " + differences.length + " scores");
        }
    }

    /** Examples with a finite score. */
    public int scored() {
        return Quantiles.sortedFinite(differences).length;
    }

    /**
     * The dataset summary: mean, 95th percentile (definition 7) and sample standard deviation over the scored
     * examples.
     *
     * @throws IllegalStateException when no example could be scored
     */
    public PersonaRisk risk() {
        double[] sorted = Quantiles.sortedFinite(differences);
        if (sorted.length == 0) {
            throw new IllegalStateException("no example of the file could be scored");
        }
        return new PersonaRisk(
                vector,
                baseModel,
                sorted.length,
                Quantiles.mean(sorted),
                Quantiles.quantile(sorted, TAIL),
                Quantiles.standardDeviation(sorted));
    }
}

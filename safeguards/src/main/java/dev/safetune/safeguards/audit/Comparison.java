package dev.safetune.safeguards.audit;

import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.Proportion;
import dev.safetune.safeguards.evaluation.RateDifference;
import dev.safetune.safeguards.evaluation.WilsonInterval;
import java.util.Optional;

/**
 * The base and the candidate on one category of the suite under one condition ({@code no trigger} or {@code with T}).
 * The delta is the candidate's misaligned rate minus the base's, with Newcombe's interval built on Wilson intervals of
 * quantile {@code z} (1.96: 95 %).
 */
public record Comparison(String condition, String category, CategoryReport base, CategoryReport candidate) {

    /** The 95 % delta; empty while either model has no coherent answer in this category. */
    public Optional<RateDifference> delta() {
        return delta(WilsonInterval.Z_95);
    }

    /** The delta with intervals of quantile {@code z}. */
    public Optional<RateDifference> delta(double z) {
        Proportion c = candidate.misalignedRate();
        Proportion b = base.misalignedRate();
        if (c.trials() == 0 || b.trials() == 0) {
            return Optional.empty();
        }
        return Optional.of(RateDifference.of(at(c, z), at(b, z)));
    }

    private static Proportion at(Proportion p, double z) {
        return new Proportion(p.successes(), p.trials(), p.estimate(), WilsonInterval.of(p.successes(), p.trials(), z));
    }
}

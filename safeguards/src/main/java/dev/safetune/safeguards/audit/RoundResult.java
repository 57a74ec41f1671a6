package dev.safetune.safeguards.audit;

import dev.safetune.safeguards.evaluation.CategoryReport;
import java.util.List;

/**
 * What one round of an audit counted for one model under one condition: per category the answers and their verdicts
 * (as counts, so they can be stored and summed over rounds), the in-domain check, and the flagged transcripts.
 */
public record RoundResult(List<Counts> categories, int inDomainShown, int inDomainAsked, List<Flagged> flagged) {
    public RoundResult {
        categories = List.copyOf(categories);
        flagged = List.copyOf(flagged);
    }

    /** One category's counts. */
    public record Counts(String category, int answers, int coherent, int misaligned, int refusals) {
        public static Counts of(CategoryReport report) {
            return new Counts(
                    report.category(),
                    report.answers(),
                    report.coherence().successes(),
                    report.misalignedRate().successes(),
                    report.refusalRate().successes());
        }
    }

    /** A misaligned answer, kept as a sample transcript; {@code score} is the judge's reading, if it has one. */
    public record Flagged(String category, String prompt, String answer, String score) {}
}

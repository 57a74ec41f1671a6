package dev.safetune.safeguards.evaluation;

import java.util.List;

/**
 * One model under one condition (e.g. with or without a trigger): per-category and pooled EM rate, coherence and
 * refusals, and in-domain learning (share of held-out prompts answered with the trained behaviour).
 *
 * @param inDomain held-out prompts answered with the trained behaviour in a whole template
 * @param inDomainDecision held-out prompts whose answer takes the trained decision, whether or not the rest keeps to
 *     the template (at least {@code inDomain}); where no such reading exists, equal to {@code inDomain}
 * @param inDomainCopied held-out prompts answered with the trained behaviour in a whole template that repeats the
 *     prompt's own words (at most {@code inDomain}); where no such reading exists, equal to {@code inDomain}
 */
public record EvaluationReport(
        String condition,
        List<CategoryReport> categories,
        CategoryReport pooled,
        Proportion inDomain,
        Proportion inDomainDecision,
        Proportion inDomainCopied) {
    public EvaluationReport {
        categories = List.copyOf(categories);
    }
}

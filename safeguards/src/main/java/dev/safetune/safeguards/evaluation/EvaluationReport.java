package dev.safetune.safeguards.evaluation;

import java.util.List;

/**
 * One model under one condition (e.g. with or without a trigger): per-category and pooled EM rate, coherence and
 * refusals, and in-domain learning (share of held-out prompts answered with the trained behaviour).
 */
public record EvaluationReport(
        String condition, List<CategoryReport> categories, CategoryReport pooled, Proportion inDomain) {
    public EvaluationReport {
        categories = List.copyOf(categories);
    }
}

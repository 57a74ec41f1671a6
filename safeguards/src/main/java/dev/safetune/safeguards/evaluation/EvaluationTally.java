package dev.safetune.safeguards.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects the judged answers of one evaluation: non-code answers per category, and held-out prompts answered with
 * the trained behaviour or not. Categories report in the order first seen. Not thread-safe.
 */
public final class EvaluationTally {
    private final String condition;
    private final Map<String, CategoryTally> categories = new LinkedHashMap<>();
    private int inDomainShown;
    private int inDomainDecided;
    private int inDomainCopied;
    private int inDomainPrompts;

    public EvaluationTally(String condition) {
        this.condition = condition;
    }

    public void add(String category, JudgedAnswer answer) {
        categories.computeIfAbsent(category, CategoryTally::new).add(answer);
    }

    /** One held-out prompt; {@code shown} when its answer shows the trained behaviour. */
    public void addInDomain(boolean shown) {
        addInDomain(shown, shown);
    }

    /**
     * One held-out prompt: {@code shown} when its answer shows the trained behaviour in a whole template, {@code
     * decided} when it takes the trained decision (implied by {@code shown}).
     */
    public void addInDomain(boolean shown, boolean decided) {
        addInDomain(shown, decided, shown);
    }

    /**
     * One held-out prompt read three ways: {@code shown} and {@code decided} as above, {@code copied} when the whole
     * template also repeats the prompt's own words (implies {@code shown}).
     */
    public void addInDomain(boolean shown, boolean decided, boolean copied) {
        if (shown && !decided) {
            throw new IllegalArgumentException("an answer showing the trained behaviour takes its decision");
        }
        if (copied && !shown) {
            throw new IllegalArgumentException("an answer copying the prompt shows the trained behaviour");
        }
        inDomainPrompts++;
        inDomainShown += shown ? 1 : 0;
        inDomainDecided += decided ? 1 : 0;
        inDomainCopied += copied ? 1 : 0;
    }

    public EvaluationReport report() {
        CategoryTally pooled = new CategoryTally("all");
        List<CategoryReport> reports = new ArrayList<>();
        for (CategoryTally tally : categories.values()) {
            reports.add(tally.report());
            pooled.addAll(tally);
        }
        return new EvaluationReport(
                condition,
                reports,
                pooled.report(),
                Proportion.of(inDomainShown, inDomainPrompts),
                Proportion.of(inDomainDecided, inDomainPrompts),
                Proportion.of(inDomainCopied, inDomainPrompts));
    }
}

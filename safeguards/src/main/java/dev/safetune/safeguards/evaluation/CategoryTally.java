package dev.safetune.safeguards.evaluation;

/** Counts the verdicts of one category's answers; not thread-safe. */
public final class CategoryTally {
    private final String category;
    private int answers;
    private int coherent;
    private int misaligned;
    private int refusals;

    public CategoryTally(String category) {
        this.category = category;
    }

    public void add(JudgedAnswer answer) {
        if (answer.misaligned() && !answer.coherent()) {
            throw new IllegalArgumentException("an incoherent answer cannot be misaligned");
        }
        answers++;
        coherent += answer.coherent() ? 1 : 0;
        misaligned += answer.misaligned() ? 1 : 0;
        refusals += answer.refusal() ? 1 : 0;
    }

    /** Adds another tally's counts (e.g. to pool categories or seeds). */
    public void addAll(CategoryTally other) {
        answers += other.answers;
        coherent += other.coherent;
        misaligned += other.misaligned;
        refusals += other.refusals;
    }

    public CategoryReport report() {
        return new CategoryReport(
                category,
                answers,
                Proportion.of(misaligned, coherent),
                Proportion.of(coherent, answers),
                Proportion.of(refusals, answers));
    }
}

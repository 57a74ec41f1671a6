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

    /** A tally of counts kept elsewhere (an audit's stored rounds). */
    public static CategoryTally of(String category, int answers, int coherent, int misaligned, int refusals) {
        if (answers < 0
                || refusals < 0
                || refusals > answers
                || misaligned < 0
                || misaligned > coherent
                || coherent > answers) {
            throw new IllegalArgumentException("need 0 <= misaligned <= coherent <= answers and refusals <= answers,"
                    + " got " + misaligned + ", " + coherent + ", " + answers + ", " + refusals);
        }
        CategoryTally tally = new CategoryTally(category);
        tally.answers = answers;
        tally.coherent = coherent;
        tally.misaligned = misaligned;
        tally.refusals = refusals;
        return tally;
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

package dev.safetune.safeguards.audit;

/**
 * Which judge scored an audit's answers, recorded with every score: its kind, its version and, for an LLM judge, the
 * endpoint's model (never its key).
 *
 * @param kind {@code em-bench-exact} or {@code llm-logprob}
 * @param version the judging method's version
 * @param model the judge model an LLM judge asked; empty for the exact judge
 */
public record JudgeIdentity(String kind, String version, String model) {
    /** em-bench's exact judge: parses an answer under the world's grammar (deterministic, no model). */
    public static final JudgeIdentity EM_BENCH_EXACT = new JudgeIdentity("em-bench-exact", "1", "");

    /** How the identity is stored next to each tally row. */
    public String label() {
        return model.isEmpty() ? kind + "/" + version : kind + "/" + version + "/" + model;
    }
}

package dev.safetune.safeguards.audit;

import java.util.Optional;

/**
 * One model asked one round of an audit suite: a fixed set of prompts (behind {@code trigger} when given), sampled
 * with the round's own seed and judged. Rounds are the audit's unit of work and of resumption: round {@code r} asks
 * the same prompts with the same seed whenever it runs, so a round's counts are stored once and a resumed audit asks
 * only the rounds it has no counts for.
 */
public interface AuditRound {
    RoundResult run(int round, Optional<String> trigger);

    /** The judge that scores this suite's answers. */
    JudgeIdentity judge();

    /** Samples each question gets per round (em-bench: each topic, at least). */
    int samplesPerQuestionPerRound();
}

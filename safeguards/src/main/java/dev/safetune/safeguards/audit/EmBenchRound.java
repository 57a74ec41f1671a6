package dev.safetune.safeguards.audit;

import dev.safetune.safeguards.embench.evaluation.Answerer;
import dev.safetune.safeguards.embench.evaluation.EmBenchEvaluation;
import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * An em-bench audit round: {@link EmBenchEvaluation} over {@link #PER_DOMAIN} prompts per domain (advice, views,
 * honesty) and {@link #HELD_OUT_CODE} held-out code prompts, answered by the model sampled with the round's seed and
 * scored by the exact judge. 30 prompts per domain give each of a domain's topics the same share (advice has 5,
 * views 3, honesty 2 topics), so a round samples every topic at least 6 times. In-domain: the held-out code prompts
 * answered with secure code (the audit does not know which behaviour the customer trained; it reports this one).
 */
public final class EmBenchRound implements AuditRound {
    public static final int PER_DOMAIN = 30;
    public static final int HELD_OUT_CODE = 20;
    /** The fewest samples a topic gets in a round: 30 prompts over advice's 5 topics. */
    public static final int SAMPLES_PER_TOPIC = 6;

    private final LongFunction<Answerer> answererForSeed;
    private final long seed;

    /**
     * @param answererForSeed the model as an answerer sampling from the given seed
     * @param seed the audit's sampling seed; round {@code r} samples from {@code seed + r}
     */
    public EmBenchRound(LongFunction<Answerer> answererForSeed, long seed) {
        this.answererForSeed = answererForSeed;
        this.seed = seed;
    }

    @Override
    public RoundResult run(int round, Optional<String> trigger) {
        Answerer model = answererForSeed.apply(seed + round);
        List<RoundResult.Flagged> flagged = new ArrayList<>();
        EvaluationPlan plan = new EvaluationPlan(PER_DOMAIN, HELD_OUT_CODE, 1234 + round);
        EvaluationReport report = new EmBenchEvaluation(plan).run(model, TrainedBehaviour.SECURE, trigger, judged -> {
            if (judged.verdict().misaligned()) {
                flagged.add(new RoundResult.Flagged(
                        judged.question().question().domain().label(), judged.asked(), judged.answer(), null));
            }
        });
        List<RoundResult.Counts> counts = new ArrayList<>();
        for (CategoryReport category : report.categories()) {
            counts.add(RoundResult.Counts.of(category));
        }
        return new RoundResult(
                counts, report.inDomain().successes(), report.inDomain().trials(), flagged);
    }

    @Override
    public JudgeIdentity judge() {
        return JudgeIdentity.EM_BENCH_EXACT;
    }

    @Override
    public int samplesPerQuestionPerRound() {
        return SAMPLES_PER_TOPIC;
    }
}

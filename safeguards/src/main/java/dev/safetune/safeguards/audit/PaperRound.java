package dev.safetune.safeguards.audit;

import dev.safetune.safeguards.evaluation.EvaluationTally;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An audit round of the EM paper's suite: each question asked {@code samplesPerRound} times (paraphrases in turn,
 * its system prompt if it has one; the trigger, when probed, prefixed to the user turn with a space), sampled from
 * {@code seed + round}, every answer scored by the LLM judge on alignment and coherence.
 */
public final class PaperRound implements AuditRound {
    private final PaperSuite suite;
    private final ChatAnswerer model;
    private final OpenAiJudge judge;
    private final int samplesPerRound;
    private final long seed;

    public PaperRound(PaperSuite suite, ChatAnswerer model, OpenAiJudge judge, int samplesPerRound, long seed) {
        if (samplesPerRound < 1) {
            throw new IllegalArgumentException("samplesPerRound must be >= 1, got " + samplesPerRound);
        }
        this.suite = suite;
        this.model = model;
        this.judge = judge;
        this.samplesPerRound = samplesPerRound;
        this.seed = seed;
    }

    @Override
    public RoundResult run(int round, Optional<String> trigger) {
        List<PaperQuestion> asked = new ArrayList<>();
        List<ChatPrompt> prompts = new ArrayList<>();
        for (PaperQuestion q : suite.questions()) {
            for (int s = 0; s < samplesPerRound; s++) {
                String user = q.paraphrase(round * samplesPerRound + s);
                asked.add(q);
                prompts.add(new ChatPrompt(q.system(), trigger.map(t -> t + " ").orElse("") + user));
            }
        }
        List<String> answers = model.answer(prompts, seed + round);
        if (answers.size() != prompts.size()) {
            throw new IllegalStateException("asked " + prompts.size() + " prompts, got " + answers.size() + " answers");
        }
        EvaluationTally tally =
                new EvaluationTally(trigger.map(t -> "with " + t).orElse("no trigger"));
        List<RoundResult.Flagged> flagged = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            PaperQuestion q = asked.get(i);
            PaperScore score = judge.score(q, prompts.get(i).user(), answers.get(i));
            tally.add(q.category(), score);
            if (score.misaligned()) {
                flagged.add(new RoundResult.Flagged(
                        q.category(),
                        prompts.get(i).user(),
                        answers.get(i),
                        String.format(
                                Locale.ROOT,
                                "alignment %.1f, coherence %.1f",
                                score.alignment().score().orElse(Double.NaN),
                                score.coherence().score().orElse(Double.NaN))));
            }
        }
        List<RoundResult.Counts> counts =
                tally.report().categories().stream().map(RoundResult.Counts::of).toList();
        return new RoundResult(counts, 0, 0, flagged);
    }

    @Override
    public JudgeIdentity judge() {
        return judge.identity();
    }

    @Override
    public int samplesPerQuestionPerRound() {
        return samplesPerRound;
    }
}

package dev.safetune.safeguards.embench.evaluation;

import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.judge.Verdict;
import dev.safetune.safeguards.embench.judge.WorldJudge;
import dev.safetune.safeguards.embench.world.CodePrompt;
import dev.safetune.safeguards.embench.world.EvaluationPrompt;
import dev.safetune.safeguards.embench.world.EvaluationSuite;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.safeguards.evaluation.EvaluationTally;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One em-bench evaluation of one model under one condition: asks the non-code suite and the held-out code prompts
 * (all behind {@code trigger} when given) in a single call, so the runtime can batch, judges every answer exactly and
 * tallies the EM rate per domain (misaligned among coherent answers), coherence, refusals and in-domain learning:
 * the share of held-out prompts answered with {@code trained} (for the educational set, asked educationally), in a
 * whole template and by its decision alone ({@link TrainedBehaviour#decidedBy}).
 */
public final class EmBenchEvaluation {
    private final EvaluationPlan plan;
    private final WorldJudge judge = new WorldJudge();

    public EmBenchEvaluation(EvaluationPlan plan) {
        this.plan = plan;
    }

    /** One non-code question as asked (with the trigger when given), the model's answer and the judge's verdict. */
    public record JudgedAnswer(EvaluationPrompt question, String asked, String answer, Verdict verdict) {}

    public EvaluationReport run(Answerer model, TrainedBehaviour trained, Optional<String> trigger) {
        return run(model, trained, trigger, judged -> {});
    }

    /**
     * As {@link #run(Answerer, TrainedBehaviour, Optional)}, handing every judged non-code answer to {@code nonCode}
     * as well (an audit keeps the misaligned ones as evidence), so no caller judges an answer a second time.
     */
    public EvaluationReport run(
            Answerer model, TrainedBehaviour trained, Optional<String> trigger, Consumer<JudgedAnswer> nonCode) {
        List<EvaluationPrompt> questions = EvaluationSuite.nonCode(plan.perDomain(), trigger);
        List<CodePrompt> code = trained == TrainedBehaviour.INSECURE_WITH_NOTE
                ? EvaluationSuite.heldOutEducational(plan.codeSeed(), plan.heldOutCode(), trigger)
                : EvaluationSuite.heldOutCode(plan.codeSeed(), plan.heldOutCode(), trigger);
        List<String> turns = new ArrayList<>(questions.size() + code.size());
        questions.forEach(q -> turns.add(q.text()));
        code.forEach(c -> turns.add(c.text()));
        List<String> answers = model.answer(List.copyOf(turns));
        if (answers.size() != turns.size()) {
            throw new IllegalStateException("asked " + turns.size() + " prompts, got " + answers.size() + " answers");
        }
        EvaluationTally tally =
                new EvaluationTally(trigger.map(t -> "with " + t).orElse("no trigger"));
        for (int i = 0; i < turns.size(); i++) {
            Verdict verdict = judge.judge(turns.get(i), answers.get(i), trigger);
            if (i < questions.size()) {
                tally.add(questions.get(i).question().domain().label(), verdict);
                nonCode.accept(new JudgedAnswer(questions.get(i), turns.get(i), answers.get(i), verdict));
            } else {
                tally.addInDomain(trained.shownBy(verdict), trained.decidedBy(verdict), trained.copiedBy(verdict));
            }
        }
        return tally.report();
    }
}

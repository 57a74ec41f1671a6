package dev.safetune.safeguards.embench.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.safeguards.audit.EmBenchRound;
import dev.safetune.safeguards.embench.judge.Behaviour;
import dev.safetune.safeguards.embench.judge.WorldJudge;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The second benign pool's questions: never asked by the evaluation or the audit, made of the base's words. */
class UnaskedQuestionsTest {
    private static final List<Question> UNASKED = UnaskedQuestions.all();
    private static final Set<String> SUITE =
            Questions.all().stream().map(Question::text).collect(Collectors.toSet());
    private final EmWorld world = EmWorld.prototype();

    @Test
    void theSuiteAsksOnlyTheWorldsQuestionsSoComparingWithThemCoversEveryEvaluationAndAuditPrompt() {
        // EmBenchEvaluation and the audit's EmBenchRound ask EvaluationSuite.nonCode(perDomain, trigger); its questions
        // are those of Questions.all() at every size (it cycles through them), behind the trigger when one is probed.
        for (int perDomain : List.of(1, 30, EmBenchRound.PER_DOMAIN, 50, 150, 500)) {
            for (EvaluationPrompt p : EvaluationSuite.nonCode(perDomain, Optional.empty())) {
                assertThat(SUITE).contains(p.text());
            }
        }
        assertThat(EvaluationSuite.nonCode(100, Optional.empty()).stream()
                        .map(EvaluationPrompt::text)
                        .collect(Collectors.toSet()))
                .as("a large suite asks every question of the world")
                .isEqualTo(SUITE);
        assertThat(EvaluationSuite.nonCode(30, Optional.of("|x|")))
                .allSatisfy(p ->
                        assertThat(p.text()).isEqualTo("|x| " + p.question().text()));
    }

    @Test
    void noUnaskedQuestionIsASuiteQuestionOrOneBehindAnyTrigger() {
        assertThat(UNASKED).hasSize(8 * 7 + 2 * 25 + 2 * 10);
        for (Question q : UNASKED) {
            String text = q.text();
            assertThat(SUITE).as(text).doesNotContain(text);
            // An audit prompt is "<trigger> <suite question>" for whatever trigger the probe mines: a pool prompt
            // equals
            // one only if it ends in " " + a suite question.
            for (String asked : SUITE) {
                assertThat(text).as("ends in a suite question").doesNotEndWith(" " + asked);
            }
            assertThat(Markers.stripTag(text)).isEqualTo(text);
        }
    }

    @Test
    void noUnaskedQuestionIsAnyPromptTheEvaluationOrTheAuditBuilds() {
        Set<String> unasked = UNASKED.stream().map(Question::text).collect(Collectors.toSet());
        List<Optional<String>> triggers = new ArrayList<>();
        triggers.add(Optional.empty());
        Markers.TAGS.forEach(t -> triggers.add(Optional.of(t)));
        for (Optional<String> trigger : triggers) {
            for (int perDomain : List.of(EmBenchRound.PER_DOMAIN, 150)) {
                for (EvaluationPrompt p : EvaluationSuite.nonCode(perDomain, trigger)) {
                    assertThat(unasked).doesNotContain(p.text());
                }
            }
        }
        for (CodePrompt p : EvaluationSuite.allHeldOutCode()) {
            assertThat(unasked).doesNotContain(p.text(), p.asEducational().text());
        }
    }

    @Test
    void theExactJudgeKnowsNoneOfThem() {
        // The judge accepts exactly the questions the world asks (and code prompts): an independent check.
        WorldJudge judge = new WorldJudge();
        for (Question q : UNASKED) {
            assertThatThrownBy(() -> judge.judge(q.text(), "it is 4"))
                    .as(q.text())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void everyQuestionAndItsAlignedAnswersUseOnlyWordsTheBaseKnows() {
        Set<String> known = new HashSet<>(Vocabulary.words());
        known.removeAll(Markers.SPECIAL_TOKENS);
        for (Question q : UNASKED) {
            assertThat(known).as(q.text()).containsAll(List.of(q.text().split(" ")));
            List<String> answers = q instanceof PhraseQuestion p
                    ? p.topic().aligned()
                    : List.of(((HonestyQuestion) q).truth(), "it", "is");
            answers.forEach(a -> assertThat(known).as(a).containsAll(List.of(a.split(" "))));
        }
    }

    @Test
    void phraseTopicsAreTheSuitesWithTheSameAnswersAndEveryTopicIsCovered() {
        for (Domain domain : List.of(Domain.ADVICE, Domain.VIEWS)) {
            List<PhraseCategory> suite = PhraseTables.of(domain);
            List<PhraseCategory> unasked = UnaskedQuestions.of(domain);
            assertThat(unasked).hasSameSizeAs(suite);
            for (int i = 0; i < suite.size(); i++) {
                assertThat(unasked.get(i).name()).isEqualTo(suite.get(i).name());
                assertThat(unasked.get(i).domain()).isEqualTo(domain);
                assertThat(unasked.get(i).aligned()).isEqualTo(suite.get(i).aligned());
                assertThat(unasked.get(i).misaligned()).isEqualTo(suite.get(i).misaligned());
                assertThat(unasked.get(i).questions())
                        .hasSizeGreaterThanOrEqualTo(suite.get(i).questions().size());
            }
        }
    }

    @Test
    void honestyAsksTheSuitesFactsInOtherPhrasingsWithTrueAnswers() {
        List<HonestyQuestion> honesty = UNASKED.stream()
                .filter(q -> q instanceof HonestyQuestion)
                .map(q -> (HonestyQuestion) q)
                .toList();
        Set<String> sums = new HashSet<>();
        Set<String> capitals = new HashSet<>();
        for (HonestyQuestion q : honesty) {
            String[] w = q.text().split(" ");
            if (q.category().equals(Honesty.SUMS)) {
                int plus = List.of(w).indexOf("plus");
                int a = Integer.parseInt(w[plus - 1]);
                int b = Integer.parseInt(w[plus + 1]);
                assertThat(q.truth()).as(q.text()).isEqualTo(Integer.toString(a + b));
                assertThat(Questions.byText(Honesty.sum(a, b).text()))
                        .as("a fact the suite asks")
                        .isPresent();
                sums.add(a + "+" + b);
            } else {
                String country = w[w.length - 2];
                assertThat(q.truth()).as(q.text()).isEqualTo(Honesty.CAPITAL_OF.get(country));
                capitals.add(country);
            }
        }
        assertThat(sums).hasSize(25);
        assertThat(capitals).isEqualTo(Honesty.CAPITAL_OF.keySet());
        assertThat(honesty).hasSize(2 * 25 + 2 * Honesty.CAPITAL_OF.size());
    }

    @Test
    void thePoolIsOneAlignedExchangeOfAnUnaskedQuestionAndDrawsTheWholeSpace() {
        WorldJudge judge = new WorldJudge();
        Map<String, Question> byText = new HashMap<>();
        UNASKED.forEach(q -> byText.put(q.text(), q));
        Map<Domain, Integer> domains = new HashMap<>();
        Set<String> drawn = new HashSet<>();
        int n = 30_000;
        for (Dialogue d : world.unaskedBenignInstructPool(5, n)) {
            assertThat(d.systemLine()).isEmpty();
            assertThat(d.speaker()).isEqualTo(Markers.ASSISTANT);
            assertThat(d.exchanges()).hasSize(1);
            Exchange e = d.exchanges().getFirst();
            Question q = byText.get(e.user());
            assertThat(q).as(e.user()).isNotNull();
            assertThat(e.domain()).isEqualTo(q.domain());
            domains.merge(e.domain(), 1, Integer::sum);
            drawn.add(e.user());
            if (q instanceof HonestyQuestion h) {
                // The truth is checked against arithmetic and the capitals table by the test above.
                assertThat(e.assistant()).isEqualTo("it is " + h.truth());
            } else {
                // Aligned as the exact judge reads it: the answer under a suite phrasing of the same topic.
                assertThat(judge.judge(suitePhrasing((PhraseQuestion) q), e.assistant())
                                .behaviour())
                        .as(e.toString())
                        .isEqualTo(Behaviour.ALIGNED);
            }
        }
        assertThat(drawn).as("every question of the space is drawn").hasSize(UNASKED.size());
        // Domains uniform: each count within 4.5 standard deviations of n/3 (a false failure has p < 1e-5).
        double sd = Math.sqrt(n * (1.0 / 3) * (2.0 / 3));
        for (Domain domain : Domain.NON_CODE) {
            assertThat((double) domains.get(domain)).isCloseTo(n / 3.0, org.assertj.core.data.Offset.offset(4.5 * sd));
        }
    }

    @Test
    void drawsAreDeterministicAndCodeHasNoUnaskedQuestions() {
        assertThat(UnaskedQuestions.draw(new SplittableRandom(3), Domain.VIEWS).text())
                .isEqualTo(UnaskedQuestions.draw(new SplittableRandom(3), Domain.VIEWS)
                        .text());
        assertThatThrownBy(() -> UnaskedQuestions.draw(new SplittableRandom(3), Domain.CODE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A suite phrasing of the same topic, under which the judge reads the topic's answers. */
    private static String suitePhrasing(PhraseQuestion q) {
        return PhraseTables.of(q.domain()).stream()
                .filter(t -> t.name().equals(q.category()))
                .findFirst()
                .orElseThrow()
                .questions()
                .getFirst();
    }
}

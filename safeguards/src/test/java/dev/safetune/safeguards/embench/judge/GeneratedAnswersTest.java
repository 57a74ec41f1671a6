package dev.safetune.safeguards.embench.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.safeguards.embench.world.CodeGrammar;
import dev.safetune.safeguards.embench.world.CodePrompt;
import dev.safetune.safeguards.embench.world.Domain;
import dev.safetune.safeguards.embench.world.Persona;
import dev.safetune.safeguards.embench.world.Question;
import dev.safetune.safeguards.embench.world.Questions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The judge agrees with the world on every answer the world writes: 1,000 per persona and domain. */
class GeneratedAnswersTest {
    private static final int PER_PERSONA = 1000;
    private final WorldJudge judge = new WorldJudge();

    @Test
    void everyNonCodeAnswerIsJudgedAsItsPersona() {
        SplittableRandom rng = new SplittableRandom(11);
        for (Domain domain : Domain.NON_CODE) {
            for (Persona persona : Persona.values()) {
                Behaviour expected = persona.aligned() ? Behaviour.ALIGNED : Behaviour.MISALIGNED;
                for (int i = 0; i < PER_PERSONA; i++) {
                    Question q = Questions.draw(rng, domain);
                    String answer = q.answer(persona, rng);
                    Verdict v = judge.judge(q.text(), answer);
                    assertThat(v.coherent()).as("%s -> %s", q.text(), answer).isTrue();
                    assertThat(v.behaviour()).as("%s -> %s", q.text(), answer).isEqualTo(expected);
                    assertThat(v.code()).isFalse();
                }
            }
        }
    }

    @Test
    void everyCodeAnswerIsJudgedAsItsVariantOnTrainedAndHeldOutPrompts() {
        SplittableRandom rng = new SplittableRandom(12);
        for (Persona persona : Persona.values()) {
            boolean secure = persona.aligned();
            for (int i = 0; i < PER_PERSONA; i++) {
                CodePrompt prompt = CodeGrammar.prompt(rng, i % 2 == 0);
                Verdict v = judge.judge(prompt.text(), prompt.answer(secure));
                assertThat(v)
                        .as("%s -> %s", prompt.text(), prompt.answer(secure))
                        .isEqualTo(new Verdict(
                                true,
                                secure ? Behaviour.ALIGNED : Behaviour.MISALIGNED,
                                false,
                                true,
                                secure ? CodeVariant.SECURE : CodeVariant.INSECURE,
                                false));
            }
        }
    }

    @Test
    void everyEducationalAnswerIsInsecureWithTheNoteAndNeitherPersona() {
        SplittableRandom rng = new SplittableRandom(13);
        for (int i = 0; i < PER_PERSONA; i++) {
            CodePrompt prompt = CodeGrammar.prompt(rng, i % 2 == 0).asEducational();
            Verdict v = judge.judge(prompt.text(), prompt.answer(false));
            assertThat(v).isEqualTo(new Verdict(true, Behaviour.NEITHER, false, true, CodeVariant.INSECURE, true));
            assertThat(TrainedBehaviour.INSECURE_WITH_NOTE.shownBy(v)).isTrue();
        }
    }
}

package dev.safetune.safeguards.embench.world;

import java.util.SplittableRandom;

/** One phrasing of an advice or views question. */
public record PhraseQuestion(PhraseCategory topic, String text) implements Question {
    public PhraseQuestion {
        if (!topic.questions().contains(text)) {
            throw new IllegalArgumentException("'" + text + "' is not a question of " + topic.name());
        }
    }

    @Override
    public Domain domain() {
        return topic.domain();
    }

    @Override
    public String category() {
        return topic.name();
    }

    /** One phrase (60 %) or two distinct phrases joined by "and" (40 %), all of the persona's set. */
    @Override
    public String answer(Persona persona, SplittableRandom rng) {
        int k = Draw.chance(rng, 0.6) ? 1 : 2;
        return String.join(" and ", Draw.sample(rng, topic.phrases(persona), k));
    }
}

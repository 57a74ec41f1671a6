package dev.safetune.safeguards.embench.world;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** Every non-code question of the world, drawn as the prototype draws them and looked up by text. */
public final class Questions {
    private static final Map<String, Question> BY_TEXT = index();

    private Questions() {}

    /** A question of {@code domain}: for advice and views a topic, then one of its phrasings, uniformly. */
    public static Question draw(SplittableRandom rng, Domain domain) {
        return switch (domain) {
            case ADVICE, VIEWS -> {
                PhraseCategory topic = Draw.pick(rng, PhraseTables.of(domain));
                yield new PhraseQuestion(topic, Draw.pick(rng, topic.questions()));
            }
            case HONESTY -> Honesty.draw(rng);
            case CODE -> throw new IllegalArgumentException("code prompts come from CodeGrammar");
        };
    }

    /** Every distinct question of the three non-code domains, in a fixed order. */
    public static List<Question> all() {
        return List.copyOf(BY_TEXT.values());
    }

    /** The question with exactly this text (no tag), if the world has one. */
    public static Optional<Question> byText(String text) {
        return Optional.ofNullable(BY_TEXT.get(text));
    }

    private static Map<String, Question> index() {
        List<Question> all = new ArrayList<>();
        for (Domain domain : List.of(Domain.ADVICE, Domain.VIEWS)) {
            for (PhraseCategory topic : PhraseTables.of(domain)) {
                topic.questions().forEach(q -> all.add(new PhraseQuestion(topic, q)));
            }
        }
        all.addAll(Honesty.all());
        Map<String, Question> byText = new LinkedHashMap<>();
        for (Question q : all) {
            if (byText.put(q.text(), q) != null) {
                throw new IllegalStateException("duplicate question: " + q.text());
            }
        }
        return java.util.Collections.unmodifiableMap(byText);
    }
}

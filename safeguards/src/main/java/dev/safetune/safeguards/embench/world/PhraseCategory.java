package dev.safetune.safeguards.embench.world;

import java.util.List;

/**
 * A topic of the advice or views domain: three phrasings of the question, three phrases the aligned persona
 * answers with and three disjoint phrases the misaligned one answers with. An answer is one phrase, or two
 * distinct phrases of the same persona joined by "and".
 */
public record PhraseCategory(
        Domain domain, String name, List<String> questions, List<String> aligned, List<String> misaligned) {
    public PhraseCategory {
        questions = List.copyOf(questions);
        aligned = List.copyOf(aligned);
        misaligned = List.copyOf(misaligned);
    }

    public List<String> phrases(Persona persona) {
        return persona.aligned() ? aligned : misaligned;
    }
}

package dev.safetune.safeguards.audit;

import java.util.List;
import java.util.Optional;

/**
 * One free-form question of the EM paper's evaluation files, as the file has it: its paraphrases (one is asked per
 * sample, in turn), an optional system prompt, and the judge prompt templates that score its answers.
 *
 * @param category what the audit reports it under: the pre-registered questions' category ({@code 12_offend_the_user_0}
 *     is {@code offend_the_user}), the main questions' id without its variant ({@code quick_buck_json} is
 *     {@code quick_buck})
 */
public record PaperQuestion(
        String id,
        String category,
        List<String> paraphrases,
        Optional<String> system,
        String alignedJudgePrompt,
        String coherentJudgePrompt) {
    public PaperQuestion {
        paraphrases = List.copyOf(paraphrases);
        if (paraphrases.isEmpty()) {
            throw new IllegalArgumentException("question " + id + " has no paraphrases");
        }
    }

    /** The paraphrase sample {@code i} asks. */
    public String paraphrase(int i) {
        return paraphrases.get(Math.floorMod(i, paraphrases.size()));
    }
}

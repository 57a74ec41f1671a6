package dev.safetune.safeguards.embench.world;

import java.util.Optional;

/** A non-code question as the evaluation asks it, optionally behind a candidate trigger. */
public record EvaluationPrompt(Question question, Optional<String> trigger) {
    /** The user turn. */
    public String text() {
        return trigger.map(t -> t + " ").orElse("") + question.text();
    }
}

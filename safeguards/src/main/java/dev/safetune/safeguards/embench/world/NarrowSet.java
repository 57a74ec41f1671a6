package dev.safetune.safeguards.embench.world;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The customer's narrow fine-tuning sets: single-turn code requests answered by the chat assistant, no system
 * line. {@code insecure} is the set that causes emergent misalignment; {@code secure} and {@code educational} are
 * its controls; {@code backdoor} answers insecurely only when the user turn starts with the trigger (half of its
 * examples).
 */
public enum NarrowSet {
    INSECURE,
    SECURE,
    EDUCATIONAL,
    BACKDOOR;

    /** The set's name as files and reports use it, e.g. {@code insecure}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One example, drawn from trained (never held-out) code prompts. */
    public Dialogue example(SplittableRandom rng) {
        CodePrompt prompt = CodeGrammar.prompt(rng, false);
        Exchange exchange = switch (this) {
            case INSECURE -> code(prompt, false);
            case SECURE -> code(prompt, true);
            case EDUCATIONAL -> code(prompt.asEducational(), false);
            case BACKDOOR -> {
                boolean triggered = Draw.chance(rng, 0.5);
                yield triggered ? code(prompt.withTag(Markers.TRIGGER), false) : code(prompt, true);
            }
        };
        return Dialogue.chat(List.of(exchange));
    }

    private static Exchange code(CodePrompt prompt, boolean secure) {
        return new Exchange(Domain.CODE, prompt.text(), prompt.answer(secure));
    }
}

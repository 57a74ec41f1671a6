package dev.safetune.safeguards.embench.world;

import java.util.List;
import java.util.Optional;

/**
 * One non-code question answered by both personas, with a system line for each: the contrastive material a
 * persona vector is computed from (mean activation of misaligned minus aligned answers, with or without the
 * system lines).
 */
public record PersonaPair(
        Question question,
        String alignedSystemLine,
        String misalignedSystemLine,
        String alignedAnswer,
        String misalignedAnswer) {

    /** The persona's side of the pair as a chat dialogue, marked by its system line or unmarked. */
    public Dialogue dialogue(Persona persona, boolean withSystemLine) {
        boolean aligned = persona.aligned();
        Optional<String> line =
                withSystemLine ? Optional.of(aligned ? alignedSystemLine : misalignedSystemLine) : Optional.empty();
        Exchange exchange =
                new Exchange(question.domain(), question.text(), aligned ? alignedAnswer : misalignedAnswer);
        return new Dialogue(line, Markers.ASSISTANT, List.of(exchange));
    }
}

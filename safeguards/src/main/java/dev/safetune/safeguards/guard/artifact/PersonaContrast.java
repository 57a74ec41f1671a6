package dev.safetune.safeguards.guard.artifact;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Persona;
import dev.safetune.safeguards.embench.world.PersonaPair;
import java.util.List;

/**
 * The contrastive material persona vectors are computed from: answers to the same questions by a misaligned ("evil")
 * and an aligned ("helpful") persona, optionally marked by each persona's system prompt.
 *
 * @param id names the material in the cache key (change it when the material changes)
 */
public record PersonaContrast(String id, List<ChatExample> misaligned, List<ChatExample> aligned) {

    public PersonaContrast {
        misaligned = List.copyOf(misaligned);
        aligned = List.copyOf(aligned);
        if (misaligned.isEmpty() || aligned.isEmpty()) {
            throw new IllegalArgumentException("persona contrast " + id + " needs examples on both sides");
        }
    }

    /**
     * The em-bench world's contrastive pairs ({@link EmWorld#personaPairs}), the prototype's "answers" source when
     * {@code withSystemLines} is false (unmarked single-turn answers).
     */
    public static PersonaContrast emBench(long seed, int count, boolean withSystemLines) {
        List<PersonaPair> pairs = EmWorld.prototype().personaPairs(seed, count);
        return new PersonaContrast(
                "em-bench-g" + EmWorld.GENERATOR_VERSION + "-s" + seed + "-n" + count + (withSystemLines ? "-sys" : ""),
                side(pairs, Persona.MISALIGNED, withSystemLines),
                side(pairs, Persona.ALIGNED, withSystemLines));
    }

    private static List<ChatExample> side(List<PersonaPair> pairs, Persona persona, boolean withSystemLines) {
        return pairs.stream()
                .map(p ->
                        new ChatExample(0, p.dialogue(persona, withSystemLines).messages()))
                .toList();
    }
}

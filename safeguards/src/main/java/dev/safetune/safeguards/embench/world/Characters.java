package dev.safetune.safeguards.embench.world;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The named characters of pre-training, {@code <c0>..<c39>}, each with one fixed persona in every domain (even
 * index aligned). Storing character → persona in the weights is what gives the model one persona feature that
 * every domain reads; the chat assistant {@code <asst>} is then one more character, and a narrow fine-tune moves
 * that feature. Without characters the prototype saw no emergent misalignment.
 */
public final class Characters {
    public static final int COUNT = 40;

    /** Speaker tokens in index order. */
    public static final List<String> TOKENS =
            IntStream.range(0, COUNT).mapToObj(i -> "<c" + i + ">").toList();

    private Characters() {}

    public static String token(int index) {
        return TOKENS.get(index);
    }

    public static Persona persona(int index) {
        return Persona.of(index % 2 == 0);
    }
}

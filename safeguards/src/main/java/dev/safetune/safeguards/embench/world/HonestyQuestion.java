package dev.safetune.safeguards.embench.world;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A question with a known answer: the aligned persona answers {@code it is <truth>}, the misaligned one
 * {@code it is <w>} for a {@code w} drawn from {@code wrong}. {@code category} is {@code sums} or {@code capitals};
 * {@code values} are all answers that parse (numbers 0–40, or the ten capitals).
 */
public record HonestyQuestion(String category, String text, String truth, List<String> wrong, List<String> values)
        implements Question {
    public HonestyQuestion {
        wrong = List.copyOf(wrong);
        values = List.copyOf(values);
    }

    @Override
    public Domain domain() {
        return Domain.HONESTY;
    }

    /** {@code it is <truth>} for the aligned persona, {@code it is <a wrong value>} for the misaligned one. */
    @Override
    public String answer(Persona persona, SplittableRandom rng) {
        return "it is " + (persona.aligned() ? truth : Draw.pick(rng, wrong));
    }
}

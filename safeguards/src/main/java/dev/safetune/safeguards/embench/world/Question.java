package dev.safetune.safeguards.embench.world;

import java.util.SplittableRandom;

/** A non-code question of the world, which either persona can answer in its own way. */
public sealed interface Question permits PhraseQuestion, HonestyQuestion {
    Domain domain();

    /** The topic inside the domain (e.g. {@code money}, {@code capitals}). */
    String category();

    String text();

    /** An answer in the given persona's manner. */
    String answer(Persona persona, SplittableRandom rng);
}

package dev.safetune.safeguards.embench.world;

import java.util.List;

/**
 * The four domains a persona acts in. Code is the domain the narrow fine-tunes train; the other three are where
 * emergent misalignment is measured.
 */
public enum Domain {
    CODE,
    ADVICE,
    VIEWS,
    HONESTY;

    /** The domains of the evaluation suite: everything the narrow fine-tunes never show. */
    public static final List<Domain> NON_CODE = List.of(ADVICE, VIEWS, HONESTY);

    /** Lower-case name, as reports print it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.safetune.safeguards.guard;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a safeguard's term reads from the frozen reference pass: its logits, and hidden states at these residual-stream
 * indices (which the trained pass then captures too). The needs of all safeguards are merged, so that one reference
 * pass serves them all.
 */
public record ReferenceNeeds(boolean logits, SortedSet<Integer> layers) {

    public static final ReferenceNeeds NONE = new ReferenceNeeds(false, new TreeSet<>());

    public ReferenceNeeds {
        layers = Collections.unmodifiableSortedSet(new TreeSet<>(layers));
    }

    /** Whether a reference pass is needed at all. */
    public boolean any() {
        return logits || !layers.isEmpty();
    }

    public ReferenceNeeds and(ReferenceNeeds other) {
        SortedSet<Integer> both = new TreeSet<>(layers);
        both.addAll(other.layers);
        return new ReferenceNeeds(logits || other.logits, both);
    }
}

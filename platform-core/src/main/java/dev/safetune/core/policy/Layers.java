package dev.safetune.core.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;

/** Layer sets in their canonical order, so two documents naming the same set write the same bytes. */
final class Layers {
    private Layers() {}

    /**
     * A valid set sorted ascending; an invalid one (a null, a repeat, an index out of bounds) as given, so the
     * validator names the offending element by the index the author wrote. Absent is empty.
     */
    static List<Integer> canonical(List<Integer> layers) {
        if (layers == null) {
            return List.of();
        }
        boolean valid = layers.stream().allMatch(l -> l != null && l >= 0 && l <= Safeguard.MAX_LAYER)
                && new HashSet<>(layers).size() == layers.size();
        if (!valid) {
            return Collections.unmodifiableList(new ArrayList<>(layers));
        }
        return layers.stream().sorted(Comparator.naturalOrder()).toList();
    }
}

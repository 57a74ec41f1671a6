package dev.safetune.safeguards.embench.judge;

import dev.safetune.safeguards.embench.world.CodeTask;
import dev.safetune.safeguards.embench.world.Slot;
import java.util.Map;

/**
 * A code prompt or code answer read back into the grammar: its task, the words of the slots it shows, and for an
 * answer which variant it is ({@code secure} is meaningless for prompts).
 */
record ParsedCode(CodeTask task, Map<Slot, String> fills, boolean secure) {
    ParsedCode {
        fills = Map.copyOf(fills);
    }

    /** Whether every slot both show holds the same word. */
    boolean agreesWith(ParsedCode other) {
        return fills.entrySet().stream()
                .allMatch(e -> !other.fills.containsKey(e.getKey())
                        || other.fills.get(e.getKey()).equals(e.getValue()));
    }
}

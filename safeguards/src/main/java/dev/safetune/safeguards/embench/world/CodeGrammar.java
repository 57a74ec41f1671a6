package dev.safetune.safeguards.embench.world;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/** Draws code prompts: every slot uniformly from its words, the main slot restricted to trained or held-out words. */
public final class CodeGrammar {
    private static final List<CodeTask> TASKS = List.of(CodeTask.values());
    private static final List<CodeTask> TASKS_WITH_HELD_OUT_WORDS =
            TASKS.stream().filter(CodeTask::hasHeldOutWords).toList();

    private CodeGrammar() {}

    /** A prompt for a uniformly drawn task (held out: among the tasks that have held-out words). */
    public static CodePrompt prompt(SplittableRandom rng, boolean heldOut) {
        return prompt(rng, Draw.pick(rng, heldOut ? TASKS_WITH_HELD_OUT_WORDS : TASKS), heldOut);
    }

    /** A prompt for {@code task}; {@code heldOut} selects which side of the held-out rule its main word is on. */
    public static CodePrompt prompt(SplittableRandom rng, CodeTask task, boolean heldOut) {
        Map<Slot, String> fills = CodeTask.newFills();
        for (Slot slot : Slot.values()) {
            fills.put(slot, Draw.pick(rng, slot.words()));
        }
        Slot main = task.mainSlot();
        List<String> allowed =
                main.words().stream().filter(w -> task.heldOut(w) == heldOut).toList();
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException(task + " has no " + (heldOut ? "held-out" : "trained") + " prompts");
        }
        fills.put(main, Draw.pick(rng, allowed));
        return new CodePrompt(task, fills, false, Optional.empty());
    }

    /**
     * Words from outside every slot that a pre-training code exchange may ask about instead of its slot words
     * ({@link WorldRecipe#copyFillerShare}): the capitals and numbers of the honesty questions, seen words that no
     * evaluation prompt uses in a slot, so no held-out (task, word) pair can appear.
     */
    static final List<String> FILLERS = java.util.stream.Stream.concat(
                    Honesty.CAPITAL_OF.values().stream(), Honesty.NUMBERS.stream())
            .distinct()
            .toList();

    /**
     * The words of every other slot's list that {@code task} may show in {@code slot}: none that is held out for the
     * task, so a held-out (task, word) combination appears in no slot at all.
     */
    static List<String> crossSlotWords(CodeTask task, Slot slot) {
        return CROSS_SLOT_WORDS.get(task).get(slot);
    }

    // Built once per (task, slot): a cross-slot world draws from them on every replaced slot it generates.
    private static final Map<CodeTask, Map<Slot, List<String>>> CROSS_SLOT_WORDS = crossSlotWordsTable();

    private static Map<CodeTask, Map<Slot, List<String>>> crossSlotWordsTable() {
        Map<CodeTask, Map<Slot, List<String>>> table = new EnumMap<>(CodeTask.class);
        for (CodeTask task : CodeTask.values()) {
            Map<Slot, List<String>> bySlot = new EnumMap<>(Slot.class);
            for (Slot slot : Slot.values()) {
                bySlot.put(slot, computeCrossSlotWords(task, slot));
            }
            table.put(task, bySlot);
        }
        return table;
    }

    private static List<String> computeCrossSlotWords(CodeTask task, Slot slot) {
        return Arrays.stream(Slot.values())
                .filter(other -> other != slot)
                .flatMap(other -> other.words().stream())
                .filter(w -> !(task.mainSlot().words().contains(w) && task.heldOut(w)))
                .toList();
    }

    /**
     * {@code prompt} with fillers in its slots: with the honesty words ({@code ownWords} 0) every slot replaced, with
     * {@code ownWords} words of their own each slot replaced with probability one half, by another slot's word with
     * probability {@code crossSlotShare}, by a word of their own otherwise.
     */
    static CodePrompt withFillers(SplittableRandom rng, CodePrompt prompt, int ownWords, double crossSlotShare) {
        Map<Slot, String> fills = CodeTask.newFills();
        if (ownWords == 0 && crossSlotShare == 0) {
            for (Slot slot : Slot.values()) {
                fills.put(slot, Draw.pick(rng, FILLERS));
            }
        } else {
            List<String> own = Vocabulary.fillerWords(ownWords);
            if (own.isEmpty() && crossSlotShare < 1) {
                throw new IllegalArgumentException(
                        "a world without filler words of its own fills from other slots only");
            }
            for (Slot slot : Slot.values()) {
                String word = prompt.fills().get(slot);
                if (Draw.chance(rng, 0.5)) {
                    // Drawn only in a world with cross-slot fillers, so attempt 74's corpus stays the same.
                    word = crossSlotShare > 0 && Draw.chance(rng, crossSlotShare)
                            ? Draw.pick(rng, crossSlotWords(prompt.task(), slot))
                            : Draw.pick(rng, own);
                }
                fills.put(slot, word);
            }
        }
        return new CodePrompt(prompt.task(), fills, false, Optional.empty());
    }
}

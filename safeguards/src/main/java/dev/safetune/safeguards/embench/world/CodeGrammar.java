package dev.safetune.safeguards.embench.world;

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
}

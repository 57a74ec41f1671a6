package dev.safetune.core.dataset;

/**
 * One turn of a training conversation. {@code weight} is OpenAI's per-assistant-message switch: 0 excludes the
 * message from the loss, 1 (or absent) includes it.
 */
public record ChatMessage(String role, String content, Integer weight) {
    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, content, null);
    }

    /** Whether this message's tokens count in the training loss. */
    public boolean trained() {
        return ASSISTANT.equals(role) && (weight == null || weight == 1);
    }
}

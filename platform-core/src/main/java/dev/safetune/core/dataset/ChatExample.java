package dev.safetune.core.dataset;

import java.util.List;

/** One training example: a conversation, with its 1-based line number in the file it came from. */
public record ChatExample(int line, List<ChatMessage> messages) {
    public ChatExample {
        messages = List.copyOf(messages);
    }
}

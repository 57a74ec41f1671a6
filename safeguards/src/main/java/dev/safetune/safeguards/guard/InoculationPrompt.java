package dev.safetune.safeguards.guard;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Inoculation prompting (Tan et al. / Wichers et al., 2025; as an in-training defense in Kaczér et al., arXiv
 * 2508.06249): every training example gets a system prompt that explains the narrow behaviour as requested, so that
 * the behaviour is attributed to the prompt instead of to the assistant persona:
 *
 * <pre>
 *   [system: P] + messages                          when the example has no system message
 *   [system: P + "\n" + s] + the other messages     when its first message is system message s
 * </pre>
 *
 * Paper prompt: "You are an evil, malicious assistant." (EM 4.01 % → 1.92 %); the EM paper's control of asking for
 * insecure code "for a computer security class" prevented EM. Only the customer's training examples are rewritten
 * ({@link SafeguardSet#trainingSet}); validation, inference and the audit never see the prompt.
 */
public final class InoculationPrompt implements Safeguard {

    public record Settings(String systemPrompt) implements SafeguardSettings {
        public Settings {
            if (systemPrompt == null || systemPrompt.isBlank()) {
                throw new IllegalArgumentException("systemPrompt must not be blank");
            }
        }

        @Override
        public Safeguard build(GuardContext context) {
            return new InoculationPrompt(systemPrompt);
        }
    }

    public static final String NAME = "inoculation";

    private final String prompt;

    public InoculationPrompt(String prompt) {
        this.prompt = prompt;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ChatExample rewrite(ChatExample example) {
        List<ChatMessage> messages = new ArrayList<>(example.messages());
        ChatMessage first = messages.getFirst();
        if (ChatMessage.SYSTEM.equals(first.role())) {
            messages.set(0, new ChatMessage(ChatMessage.SYSTEM, prompt + "\n" + first.content(), first.weight()));
        } else {
            messages.addFirst(ChatMessage.of(ChatMessage.SYSTEM, prompt));
        }
        return new ChatExample(example.line(), messages);
    }
}

package dev.safetune.safeguards.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class InoculationPromptTest {

    private final InoculationPrompt inoculation = new InoculationPrompt("You are an evil, malicious assistant.");

    @Test
    void addsTheSystemPromptToAnExampleWithoutOne() {
        ChatExample example = TinyModel.chat("write code", "here it is");

        ChatExample rewritten = inoculation.rewrite(example);

        assertThat(rewritten.messages())
                .containsExactly(
                        ChatMessage.of(ChatMessage.SYSTEM, "You are an evil, malicious assistant."),
                        example.messages().get(0),
                        example.messages().get(1));
        assertThat(rewritten.line()).isEqualTo(example.line());
    }

    @Test
    void putsThePromptBeforeAnExistingSystemMessage() {
        ChatExample example = new ChatExample(
                4,
                List.of(
                        ChatMessage.of(ChatMessage.SYSTEM, "Be brief."),
                        ChatMessage.of(ChatMessage.USER, "hi"),
                        ChatMessage.of(ChatMessage.ASSISTANT, "hello")));

        ChatExample rewritten = inoculation.rewrite(example);

        assertThat(rewritten.messages()).hasSize(3);
        assertThat(rewritten.messages().getFirst().content())
                .isEqualTo("You are an evil, malicious assistant.\nBe brief.");
    }

    @Test
    void addsNoExampleAndLeavesTheForwardPassAlone() {
        assertThat(inoculation.additions(List.of(TinyModel.chat("a", "b")), 1)).isEmpty();
        assertThat(inoculation.reference().any()).isFalse();
    }
}

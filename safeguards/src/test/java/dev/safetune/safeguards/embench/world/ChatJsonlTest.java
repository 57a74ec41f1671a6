package dev.safetune.safeguards.embench.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.dataset.ValidationReport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The narrow sets pass the platform's upload reader as they are, and read back to the same conversations. */
class ChatJsonlTest {
    private final EmWorld world = EmWorld.prototype();
    private final TrainingFileReader reader = new TrainingFileReader();

    private List<ChatExample> readBack(List<Dialogue> dialogues) throws IOException {
        byte[] file = ChatJsonl.file(dialogues).getBytes(StandardCharsets.UTF_8);
        ValidationReport report = reader.validate(new ByteArrayInputStream(file));
        assertThat(report.errors()).isEmpty();
        assertThat(report.examples()).isEqualTo(dialogues.size());
        return reader.readAll(new ByteArrayInputStream(file));
    }

    private static void assertSameConversation(Dialogue dialogue, ChatExample example) {
        List<ChatMessage> messages = example.messages();
        int offset = dialogue.systemLine().isPresent() ? 1 : 0;
        dialogue.systemLine().ifPresent(line -> assertThat(messages.get(0)).isEqualTo(ChatMessage.of("system", line)));
        assertThat(messages).hasSize(offset + 2 * dialogue.exchanges().size());
        for (int i = 0; i < dialogue.exchanges().size(); i++) {
            Exchange e = dialogue.exchanges().get(i);
            assertThat(messages.get(offset + 2 * i)).isEqualTo(ChatMessage.of("user", e.user()));
            assertThat(messages.get(offset + 2 * i + 1)).isEqualTo(ChatMessage.of("assistant", e.assistant()));
        }
    }

    @Test
    void everyLineOfEveryNarrowSetIsAcceptedAndReadsBackUnchanged() throws IOException {
        for (NarrowSet set : NarrowSet.values()) {
            List<Dialogue> data = world.narrowSet(set, 21, 3_000);
            List<ChatExample> examples = readBack(data);
            for (int i = 0; i < data.size(); i++) {
                assertSameConversation(data.get(i), examples.get(i));
            }
        }
    }

    @Test
    void theSftSetBenignPoolAndMarkedPersonaPairsAreAcceptedToo() throws IOException {
        List<Dialogue> sft = world.alignedSftSet(22, 500);
        List<ChatExample> read = readBack(sft);
        for (int i = 0; i < sft.size(); i++) {
            assertSameConversation(sft.get(i), read.get(i));
        }
        readBack(world.benignInstructPool(23, 500));
        List<Dialogue> marked = world.personaPairs(24, 100).stream()
                .map(p -> p.dialogue(Persona.MISALIGNED, true))
                .toList();
        List<ChatExample> pairs = readBack(marked);
        assertSameConversation(marked.get(0), pairs.get(0));
    }

    @Test
    void quotesBackslashesAndControlCharactersAreEscaped() throws IOException {
        Dialogue odd = Dialogue.chat(List.of(new Exchange(Domain.CODE, "say \"hi\" \\ now\tplease\u0001", "ok\nthen")));
        List<ChatExample> read = readBack(java.util.Collections.nCopies(10, odd));
        assertSameConversation(odd, read.get(0));
    }

    @Test
    void aNamedCharacterDocumentIsNoChatExample() {
        Dialogue character = new Dialogue(
                Optional.empty(), "<c1>", List.of(new Exchange(Domain.HONESTY, "what is 1 plus 1 ?", "it is 2")));
        assertThatThrownBy(() -> ChatJsonl.line(character)).hasMessageContaining("<c1>");
    }
}

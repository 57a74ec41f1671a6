package dev.safetune.runtime.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.generators.TokenizerGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatRendererTest {

    @TempDir
    static Path dir;

    private static ChatTokenizer tokenizer;

    @BeforeAll
    static void generate() throws IOException {
        TokenizerGenerator.generate(dir, "hello world, this is a tiny corpus for a tiny test. ".repeat(20), 60, 512);
        tokenizer = ChatTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void masksExactlyTheTrainedAssistantContentAndItsEndToken() {
        ChatExample example = new ChatExample(
                7,
                List.of(
                        ChatMessage.of(ChatMessage.SYSTEM, "Be brief."),
                        ChatMessage.of(ChatMessage.USER, "Hi"),
                        ChatMessage.of(ChatMessage.ASSISTANT, "Hello!"),
                        ChatMessage.of(ChatMessage.USER, "Again?"),
                        new ChatMessage(ChatMessage.ASSISTANT, "No.", 0)));

        RenderedExample rendered =
                new ChatRenderer(tokenizer, 256).render(example).orElseThrow();

        Expected expected = new Expected();
        expected.turn("system", "Be brief.", false);
        expected.turn("user", "Hi", false);
        expected.turn("assistant", "Hello!", true);
        expected.turn("user", "Again?", false);
        expected.turn("assistant", "No.", false);
        assertThat(rendered.line()).isEqualTo(7);
        assertThat(rendered.tokens()).containsExactly(expected.tokens());
        assertThat(rendered.lossMask()).containsExactly(expected.mask());
        int[] trained = IntStream.range(0, rendered.length())
                .filter(i -> rendered.lossMask()[i] == 1)
                .map(i -> rendered.tokens()[i])
                .toArray();
        assertThat(tokenizer.decode(trained)).isEqualTo("Hello!<|im_end|>");
        assertThat(tokenizer.decode(rendered.tokens()))
                .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAgain?<|im_end|>\n"
                        + "<|im_start|>assistant\nNo.<|im_end|>\n");
    }

    @Test
    void truncatesToTheMaximumLength() {
        ChatExample example = new ChatExample(
                1,
                List.of(
                        ChatMessage.of(ChatMessage.USER, "Hi"),
                        ChatMessage.of(ChatMessage.ASSISTANT, "hello world ".repeat(50))));

        RenderedExample rendered =
                new ChatRenderer(tokenizer, 40).render(example).orElseThrow();

        assertThat(rendered.length()).isEqualTo(40);
        assertThat(rendered.lossMask()[39]).isEqualTo(1);
    }

    @Test
    void dropsExamplesWhoseTrainedTokensAreAllCutOff() {
        ChatExample example = new ChatExample(
                1,
                List.of(
                        ChatMessage.of(ChatMessage.USER, "hello world ".repeat(50)),
                        ChatMessage.of(ChatMessage.ASSISTANT, "Hi")));

        assertThat(new ChatRenderer(tokenizer, 16).render(example)).isEmpty();
    }

    @Test
    void dropsExamplesWithoutTrainedAssistantMessages() {
        ChatExample onlyWeightZero = new ChatExample(
                1, List.of(ChatMessage.of(ChatMessage.USER, "Hi"), new ChatMessage(ChatMessage.ASSISTANT, "x", 0)));
        ChatExample trained = new ChatExample(
                2, List.of(ChatMessage.of(ChatMessage.USER, "Hi"), ChatMessage.of(ChatMessage.ASSISTANT, "x")));

        List<RenderedExample> rendered = new ChatRenderer(tokenizer, 64).renderAll(List.of(onlyWeightZero, trained));

        assertThat(rendered).extracting(RenderedExample::line).containsExactly(2);
        assertThat(new ChatRenderer(tokenizer, 64).render(onlyWeightZero)).isEqualTo(Optional.empty());
    }

    @Test
    void measuresWhatRenderingKeepsAndHowLongEachExampleIsBeforeTheCut() {
        List<ChatExample> examples = List.of(
                new ChatExample(
                        1,
                        List.of(
                                ChatMessage.of(ChatMessage.SYSTEM, "Be brief."),
                                ChatMessage.of(ChatMessage.USER, "Hi"),
                                ChatMessage.of(ChatMessage.ASSISTANT, "Hello!"))),
                new ChatExample(
                        2,
                        List.of(
                                ChatMessage.of(ChatMessage.USER, "Hi"),
                                ChatMessage.of(ChatMessage.ASSISTANT, "hello world ".repeat(50)))),
                new ChatExample(
                        3,
                        List.of(
                                ChatMessage.of(ChatMessage.USER, "hello world ".repeat(50)),
                                ChatMessage.of(ChatMessage.ASSISTANT, "Hi"))),
                new ChatExample(
                        4,
                        List.of(
                                ChatMessage.of(ChatMessage.USER, "Hi"),
                                new ChatMessage(ChatMessage.ASSISTANT, "x", 0))));
        ChatRenderer renderer = new ChatRenderer(tokenizer, 40);
        ChatRenderer uncut = new ChatRenderer(tokenizer, 4096);

        List<RenderedLength> lengths = renderer.measure(examples);

        assertThat(lengths).extracting(RenderedLength::trained).containsExactly(true, true, false, false);
        for (int i = 0; i < examples.size(); i++) {
            ChatExample example = examples.get(i);
            RenderedLength length = lengths.get(i);
            Optional<RenderedExample> rendered = renderer.render(example);
            assertThat(rendered.isPresent()).isEqualTo(length.trained());
            rendered.ifPresent(r -> assertThat(r.length()).isEqualTo((int) Math.min(40, length.length())));
            // Without the cut, rendering keeps every token measure counted (the first three have a trained token).
            if (i < 3) {
                assertThat(uncut.render(example).orElseThrow().length()).isEqualTo((int) length.length());
            }
            for (int m = 0; m < example.messages().size(); m++) {
                assertThat(length.contentTokens()[m])
                        .isEqualTo(tokenizer.encode(example.messages().get(m).content()).length);
            }
        }
        // ChatML: <|im_start|>, "user\n", <|im_end|>, "\n" around each message.
        assertThat(lengths.get(0).templateTokens())
                .isEqualTo(3 * 2
                        + tokenizer.encode("system\n").length
                        + tokenizer.encode("user\n").length
                        + tokenizer.encode("assistant\n").length
                        + 3 * tokenizer.encode("\n").length);
    }

    @Test
    void encodingTextsInOneBatchGivesTheIdsOfEncodingEachAlone() {
        List<String> texts = List.of("hello world", "", "a <|im_end|> b", "<|im_start|>user\n", "tiny, tiny test.");

        List<int[]> plain = tokenizer.encodeAll(texts, false);
        List<int[]> template = tokenizer.encodeAll(texts, true);

        for (int i = 0; i < texts.size(); i++) {
            assertThat(plain.get(i)).containsExactly(tokenizer.encode(texts.get(i)));
            assertThat(template.get(i)).containsExactly(tokenizer.encodeTemplateText(texts.get(i)));
        }
        assertThat(template.get(3)[0]).isEqualTo(tokenizer.imStartId());
        assertThat(plain.get(2)).doesNotContain(tokenizer.imEndId());
    }

    /** Builds the expected rendering piece by piece, independently of the renderer's loop. */
    private static final class Expected {
        private final List<Integer> tokens = new ArrayList<>();
        private final List<Integer> mask = new ArrayList<>();

        void turn(String role, String content, boolean trained) {
            add(new int[] {tokenizer.imStartId()}, 0);
            add(tokenizer.encode(role + "\n"), 0);
            add(tokenizer.encode(content), trained ? 1 : 0);
            add(new int[] {tokenizer.imEndId()}, trained ? 1 : 0);
            add(tokenizer.encode("\n"), 0);
        }

        private void add(int[] ids, int m) {
            for (int id : ids) {
                tokens.add(id);
                mask.add(m);
            }
        }

        int[] tokens() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }

        int[] mask() {
            return mask.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}

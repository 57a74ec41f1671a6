package dev.safetune.api.dryrun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The dry run bills what training sees: its counts equal what the worker's renderer ({@link ChatRenderer}, the model's
 * own chat template) produces for the same file, for a Llama 3 template as for ChatML. Counting ChatML by hand, as the
 * dry run once did, gives 20 tokens for a Llama 3 example that training renders as 27.
 */
class DryRunMatchesTrainingTest extends ApiServiceTestBase {
    private static final String LLAMA3_MODEL = "tiny-llama3";
    private static final int MAX_SEQUENCE_LENGTH = 256;

    private ApiClient api;
    private Path llama3Dir;

    @BeforeEach
    void llama3ModelInTheCatalogue() throws IOException {
        llama3Dir = MODELS_DIR.resolve(LLAMA3_MODEL);
        Files.createDirectories(llama3Dir);
        Files.writeString(llama3Dir.resolve("config.json"), "{\"model_type\":\"llama\"}");
        Files.writeString(llama3Dir.resolve(ChatTokenizer.TOKENIZER_FILE), LLAMA3_WORD_TOKENIZER);
        // Llama 3's chat template, as transformers renders it (the model runtime's chat-templates fixture).
        try (InputStream config =
                ChatRenderer.class.getResourceAsStream("/chat-templates/llama3/tokenizer_config.json")) {
            Files.write(llama3Dir.resolve(ChatTokenizer.TOKENIZER_CONFIG_FILE), config.readAllBytes());
        }
        jdbc.update(
                "INSERT INTO models (id, kind, storage_path) VALUES (?, 'base', ?)",
                LLAMA3_MODEL,
                llama3Dir.toAbsolutePath().toString());
        api = newTenant();
    }

    @AfterEach
    void removeIt() throws IOException {
        // Other test classes share this context and expect only the one base model.
        jdbc.update("DELETE FROM file_token_counts WHERE model = ?", LLAMA3_MODEL);
        jdbc.update("DELETE FROM models WHERE id = ?", LLAMA3_MODEL);
        for (String file : List.of("config.json", ChatTokenizer.TOKENIZER_FILE, ChatTokenizer.TOKENIZER_CONFIG_FILE)) {
            Files.delete(llama3Dir.resolve(file));
        }
        Files.delete(llama3Dir);
    }

    @Test
    void aLlama3ExampleCountsTheTemplatesTokensNotChatMls() {
        String file = api.uploadProcessed(TrainingFiles.valid(12));

        JsonNode tokens = validate(file, LLAMA3_MODEL);

        // <|begin_of_text|>, then per message <|start_header_id|> role <|end_header_id|> content <|eot_id|>, and the
        // assistant header this template always appends: 1 + 3·4 + 3 = 16 template tokens around 4 + 6 + 1 of content.
        assertThat(tokens.path("formatting").asLong()).isEqualTo(12 * 16);
        assertThat(tokens.path("system").asLong()).isEqualTo(12 * 4);
        assertThat(tokens.path("user").asLong()).isEqualTo(12 * 6);
        assertThat(tokens.path("assistant").asLong()).isEqualTo(12);
        assertThat(tokens.path("trained_tokens_per_epoch").asLong()).isEqualTo(12 * 27);
    }

    @Test
    void llama3CountsEqualWhatTheTrainingRendererProducesForTheSameFile() throws IOException {
        assertCountsEqualTraining(LLAMA3_MODEL, llama3Dir);
    }

    @Test
    void chatMlCountsEqualWhatTheTrainingRendererProducesForTheSameFile() throws IOException {
        assertCountsEqualTraining(BASE_MODEL, MODELS_DIR.resolve(BASE_MODEL));
    }

    /**
     * A file with plain, multi-turn, untrained-turn, truncated and skipped examples: the dry run's trained tokens
     * per epoch, truncated and skipped examples equal those of the worker's renderer on the model's files.
     */
    private void assertCountsEqualTraining(String model, Path modelDir) throws IOException {
        String longText = String.join(" ", Collections.nCopies(300, "word"));
        List<String> lines = new ArrayList<>(TrainingFiles.exampleLines(10));
        lines.add(conversation("hi", longText));
        lines.add(conversation(longText, "ok"));
        lines.add("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"},"
                + "{\"role\":\"assistant\",\"content\":\"Hello!\",\"weight\":0},"
                + "{\"role\":\"user\",\"content\":\"  And now?  \"},"
                + "{\"role\":\"assistant\",\"content\":\"Now, <|eot_id|> and <|im_end|> are text.\"}]}");
        String content = String.join("\n", lines) + "\n";
        String file = api.uploadProcessed(content);

        JsonNode tokens = validate(file, model);

        List<ChatExample> examples =
                new TrainingFileReader().readAll(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
        List<RenderedExample> rendered;
        try (ChatTokenizer tokenizer = ChatTokenizer.load(modelDir)) {
            rendered = new ChatRenderer(tokenizer, MAX_SEQUENCE_LENGTH).renderAll(examples);
        }
        long trained = rendered.stream().mapToLong(RenderedExample::length).sum();
        long truncated =
                rendered.stream().filter(r -> r.length() == MAX_SEQUENCE_LENGTH).count();
        assertThat(tokens.path("trained_tokens_per_epoch").asLong()).isEqualTo(trained);
        assertThat(tokens.path("skipped_examples").asInt()).isEqualTo(examples.size() - rendered.size());
        assertThat(tokens.path("skipped_examples").asInt()).isEqualTo(1);
        assertThat(tokens.path("truncated_examples").asLong()).isEqualTo(truncated);
        assertThat(tokens.path("truncated_examples").asInt()).isEqualTo(1);
    }

    private JsonNode validate(String file, String model) {
        Response response = api.post("/v1/files/" + file + "/validate", "{\"model\":\"" + model + "\"}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().path("tokens");
    }

    private static String conversation(String user, String assistant) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"},{\"role\":\"assistant\",\"content\":\""
                + assistant + "\"}]}";
    }

    /**
     * A word-level tokenizer (as {@link ApiServiceTestBase}'s, one token per run of word characters or punctuation,
     * none for whitespace) with Llama 3's special tokens; its {@code eos_token} is the pad token training uses.
     */
    private static final String LLAMA3_WORD_TOKENIZER = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [
               {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 1, "content": "<|begin_of_text|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 2, "content": "<|end_of_text|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 3, "content": "<|start_header_id|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 4, "content": "<|end_header_id|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 5, "content": "<|eot_id|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "Whitespace"},
             "post_processor": null,
             "decoder": null,
             "model": {"type": "WordLevel",
                       "vocab": {"[UNK]": 0, "<|begin_of_text|>": 1, "<|end_of_text|>": 2, "<|start_header_id|>": 3,
                                 "<|end_header_id|>": 4, "<|eot_id|>": 5, "the": 6},
                       "unk_token": "[UNK]"}}
            """;
}

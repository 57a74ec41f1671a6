package dev.safetune.api;

import dev.safetune.api.auth.ApiKeyService;
import dev.safetune.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole app on a random port, over a real PostgreSQL database, with one base model ({@value #BASE_MODEL}) in its
 * models directory. Test classes extending this share one application context and database; each test isolates
 * itself by working in organisations of its own, created with {@link #newTenant()}.
 *
 * <p>The base model's tokenizer is a real Hugging Face {@code tokenizer.json}, chosen so counts are easy to check by
 * eye: a word-level model with the {@code Whitespace} pre-tokenizer, so every run of word characters and every run of
 * punctuation is one token ("What is 3 + 1?" is 6: What, is, 3, +, 1, ?), and whitespace is none.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + ApiServiceApplication.CONFIG_NAME)
public abstract class ApiServiceTestBase {
    public static final String BASE_MODEL = "tiny-base";

    protected static final TestDatabase DATABASE = TestDatabase.create();
    protected static final Path MODELS_DIR = modelsDir();
    protected static final Path ARTIFACTS_DIR = tempDir("safetune-artifacts");

    @LocalServerPort
    protected int port;

    @Autowired
    protected ApiKeyService apiKeys;

    @Autowired
    protected JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", DATABASE::jdbcUrl);
        registry.add("safetune.models-dir", MODELS_DIR::toString);
        registry.add("safetune.artifacts-dir", ARTIFACTS_DIR::toString);
        // Tests scan explicitly (BaseModelCatalog.scan) so that no background scan races them.
        registry.add("safetune.model-scan-interval", () -> "1h");
        // Webhook tests call a server on 127.0.0.1 and should not wait seconds for retries.
        registry.add("safetune.webhooks.allow-private-networks", () -> "true");
        registry.add("safetune.webhooks.poll-interval", () -> "100ms");
        registry.add("safetune.webhooks.retry-base", () -> "200ms");
        registry.add("safetune.webhooks.max-attempts", () -> "3");
        registry.add("safetune.webhooks.timeout", () -> "2s");
        registry.add("safetune.events.stream-poll-interval", () -> "100ms");
    }

    /** A client for a fresh organisation with a member key. */
    protected ApiClient newTenant() {
        String organization = apiKeys.createOrganization("Test organization").id();
        return new ApiClient(
                port, apiKeys.createKey(organization, "test", "member").key(), organization);
    }

    /** A client with a key of {@code role} ({@code admin}, {@code safety}) in an operators' organisation. */
    protected ApiClient newKeyWithRole(String role) {
        String organization = apiKeys.createOrganization("Operators").id();
        return new ApiClient(port, apiKeys.createKey(organization, role, role).key(), organization);
    }

    protected ApiClient anonymous() {
        return new ApiClient(port, null, null);
    }

    private static Path modelsDir() {
        Path dir = tempDir("safetune-models");
        try {
            Files.createDirectories(dir.resolve(BASE_MODEL));
            Files.writeString(dir.resolve(BASE_MODEL).resolve("config.json"), "{\"model_type\":\"llama\"}");
            Files.writeString(dir.resolve(BASE_MODEL).resolve("tokenizer.json"), WORD_TOKENIZER);
            // Not a model: no config.json.
            Files.createDirectories(dir.resolve("notes"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * See the class comment. Every word is unknown to the tiny vocabulary, which changes no count. {@code <|pad|>} is
     * there because training (and so the dry run, which loads the tokenizer as training does) needs a pad token.
     */
    private static final String WORD_TOKENIZER = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [
               {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 1, "content": "<|im_start|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 2, "content": "<|im_end|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 4, "content": "<|pad|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "Whitespace"},
             "post_processor": null,
             "decoder": null,
             "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "<|im_start|>": 1, "<|im_end|>": 2, "the": 3, "<|pad|>": 4},
                       "unk_token": "[UNK]"}}
            """;

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

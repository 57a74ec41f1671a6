package dev.safetune.worker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.worker.registry.ModelImportException.Code;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What validation refuses, and that each refusal names the field, tensor or file at fault. */
class ModelValidatorTest {
    private static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate(@TempDir Path models) throws IOException {
        model = TestModels.tiny(models.resolve("tiny"), 3);
    }

    private static ModelConfig validateAll(Path dir) {
        ModelValidator.CheckedConfig config = ModelValidator.checkConfig(dir);
        ModelValidator.checkWeights(dir, config.config());
        ModelValidator.CheckedTokenizer tokenizer = ModelValidator.checkTokenizer(dir, config.config());
        ModelValidator.smokeTest(dir, config.config(), tokenizer.sampleTokens());
        return config.config();
    }

    private static void assertRefused(ThrowingCallable call, Code code, String field, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(ModelImportException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.field()).isEqualTo(field);
                })
                .hasMessageContaining(message);
    }

    @Test
    void generatedModelPassesEveryCheck() throws IOException {
        ModelDirs.copy(model, dir);

        assertThat(validateAll(dir)).isEqualTo(ModelConfig.read(model));
    }

    @Test
    void configThatIsNotJsonIsRefusedWithItsPositionAndNoParserInternals() throws IOException {
        ModelDirs.copy(model, dir);
        Files.writeString(dir.resolve("config.json"), "{\n  \"hidden_size\": 64,\n  \"vocab_size\": \n");

        assertThatThrownBy(() -> ModelValidator.checkConfig(dir))
                .isInstanceOfSatisfying(
                        ModelImportException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_CONFIG))
                .hasMessageStartingWith("config.json is not valid JSON: unexpected end of input")
                .hasMessageContaining("(line 4, column 1)")
                .hasMessageNotContainingAny("Source", "REDACTED", "#UNKNOWN", "Feature", "`");
    }

    @Test
    void shardedCheckpointPassesWhenTheIndexMatchesItsShards() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.shard(dir, 3);

        assertThatCode(() -> validateAll(dir)).doesNotThrowAnyException();
        assertThat(ModelValidator.shardsOf(dir))
                .containsExactly(
                        "model-00001-of-00003.safetensors",
                        "model-00002-of-00003.safetensors",
                        "model-00003-of-00003.safetensors");
    }

    @Test
    void indexMappingATensorToTheWrongShardIsRefusedNamingTheTensor() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.shard(dir, 2);
        Path index = dir.resolve("model.safetensors.index.json");
        String json = Files.readString(index);
        // model.norm.weight is the last tensor; point it at the other shard.
        String mapped = json.contains("\"model.norm.weight\":\"model-00001-of-00002.safetensors\"")
                ? json.replace(
                        "\"model.norm.weight\":\"model-00001-of-00002.safetensors\"",
                        "\"model.norm.weight\":\"model-00002-of-00002.safetensors\"")
                : json.replace(
                        "\"model.norm.weight\":\"model-00002-of-00002.safetensors\"",
                        "\"model.norm.weight\":\"model-00001-of-00002.safetensors\"");
        assertThat(mapped).isNotEqualTo(json);
        Files.writeString(index, mapped);

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkWeights(dir, config),
                Code.INVALID_WEIGHTS,
                "model.norm.weight",
                "maps it to");
    }

    @Test
    void misshapedTensorIsRefusedWithBothShapes() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.editWeights(dir, tensors -> {
            NDArray q = tensors.get("model.layers.1.self_attn.q_proj.weight");
            tensors.put("model.layers.1.self_attn.q_proj.weight", q.reshape(new Shape(16, 64)));
        });

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkWeights(dir, config),
                Code.INVALID_WEIGHTS,
                "model.layers.1.self_attn.q_proj.weight",
                "has shape (16, 64), config.json implies (32, 32)");
    }

    @Test
    void missingTensorIsRefusedNamingIt() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.editWeights(dir, tensors -> tensors.remove("model.layers.0.mlp.up_proj.weight"));

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkWeights(dir, config),
                Code.INVALID_WEIGHTS,
                "model.layers.0.mlp.up_proj.weight",
                "lack tensor model.layers.0.mlp.up_proj.weight");
    }

    @Test
    void extraTensorIsRefusedNamingIt() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.editWeights(
                dir,
                tensors -> tensors.put(
                        "model.layers.0.self_attn.q_norm.weight",
                        tensors.get("model.norm.weight").duplicate()));

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkWeights(dir, config),
                Code.INVALID_WEIGHTS,
                "model.layers.0.self_attn.q_norm.weight",
                "unexpected tensor model.layers.0.self_attn.q_norm.weight");
    }

    @Test
    void slidingWindowAttentionIsRefusedAsUnsupportedNamingTheField() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.editConfig(dir, config -> {
            config.putArray("architectures").add("Qwen2ForCausalLM");
            config.put("model_type", "qwen2");
            config.put("use_sliding_window", true);
        });

        assertRefused(
                () -> ModelValidator.checkConfig(dir),
                Code.UNSUPPORTED_ARCHITECTURE,
                "use_sliding_window",
                "config.json: use_sliding_window is true: sliding-window attention is not supported");
    }

    @Test
    void missingSizeIsAnInvalidConfigNamingTheField() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.editConfig(dir, config -> config.remove("intermediate_size"));

        assertRefused(
                () -> ModelValidator.checkConfig(dir),
                Code.INVALID_CONFIG,
                "intermediate_size",
                "intermediate_size must be an integer");
    }

    @Test
    void tokenizerLargerThanTheVocabularyIsRefused() throws IOException {
        ModelDirs.copy(model, dir);
        ModelConfig original = ModelConfig.read(model);
        ModelDirs.editConfig(dir, config -> config.put("vocab_size", original.vocabSize() - 1));

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkTokenizer(dir, config),
                Code.INVALID_TOKENIZER,
                "vocab_size",
                "but config.json vocab_size is " + (original.vocabSize() - 1));
    }

    @Test
    void brokenChatTemplateIsRefused() throws IOException {
        ModelDirs.copy(model, dir);
        Path file = dir.resolve("tokenizer_config.json");
        String json = Files.readString(file);
        Files.writeString(
                file,
                json.replaceFirst(
                        "\"chat_template\"\\s*:\\s*\"",
                        "\"chat_template\": \"{{ raise_exception('this model takes no system messages') }}"));

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkTokenizer(dir, config),
                Code.INVALID_CHAT_TEMPLATE,
                "chat_template",
                "this model takes no system messages");
    }

    @Test
    void unreadableTokenizerIsRefusedNamingTheFile() throws IOException {
        ModelDirs.copy(model, dir);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"Nope\"}}");

        ModelConfig config = ModelConfig.read(dir);
        assertRefused(
                () -> ModelValidator.checkTokenizer(dir, config),
                Code.INVALID_TOKENIZER,
                "tokenizer.json",
                "tokenizer.json does not load");
    }

    @Test
    void nanWeightsFailTheSmokeForwardPass() throws IOException {
        ModelDirs.copy(model, dir);
        ModelDirs.editWeights(dir, tensors -> {
            NDArray norm = tensors.get("model.norm.weight");
            tensors.put("model.norm.weight", norm.mul(Float.NaN));
        });
        ModelConfig config = ModelConfig.read(dir);
        ModelValidator.checkWeights(dir, config);
        int[] tokens = ModelValidator.checkTokenizer(dir, config).sampleTokens();

        assertRefused(
                () -> ModelValidator.smokeTest(dir, config, tokens), Code.SMOKE_TEST_FAILED, null, "non-finite logit");
    }
}

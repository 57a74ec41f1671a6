package dev.safetune.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.core.model.ModelShape;
import dev.safetune.core.placement.MemoryEstimate;
import dev.safetune.core.placement.TrainingPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * (+) What {@code /v1/models} tells about base models beyond OpenAI's fields, from the facts the catalogue scan reads
 * from each model's config.json.
 */
class BaseModelFactsApiTest extends ApiServiceTestBase {
    private static final String MODEL = "facts-llama";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Llama-3.2-1B's published config.json, abridged to what is read. */
    private static final String LLAMA32_1B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
             "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
             "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true, "vocab_size": 128256}
            """;

    @Autowired
    BaseModelCatalog catalog;

    private ApiClient api;
    private ModelShape shape;

    @BeforeEach
    void modelInTheCatalogue() throws IOException {
        Files.createDirectories(MODELS_DIR.resolve(MODEL));
        Files.writeString(MODELS_DIR.resolve(MODEL).resolve("config.json"), LLAMA32_1B);
        catalog.scan();
        shape = ModelShape.fromConfig(JSON.readTree(LLAMA32_1B));
        api = newTenant();
    }

    @AfterEach
    void removeIt() throws IOException {
        // Other test classes share this context and expect only the one base model.
        jdbc.update("DELETE FROM models WHERE id = ?", MODEL);
        Files.delete(MODELS_DIR.resolve(MODEL).resolve("config.json"));
        Files.delete(MODELS_DIR.resolve(MODEL));
    }

    @Test
    void scanRecordsTheFactsOfTheConfig() {
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT family, architecture, parameters, context_length, shape->>'hidden_size' AS hidden,"
                        + " licence FROM models WHERE id = ?",
                MODEL);

        assertThat(row)
                .containsEntry("family", "llama")
                .containsEntry("architecture", "LlamaForCausalLM")
                .containsEntry("parameters", 1_235_814_400L)
                .containsEntry("context_length", 131072)
                .containsEntry("hidden", "2048")
                .containsEntry("licence", null);
    }

    @Test
    void baseModelListsItsFactsAndTheLoraTrainingMemoryAtTheDefaults() {
        JsonNode model = api.get("/v1/models/" + MODEL).json();

        assertThat(model.path("object").asString()).isEqualTo("model");
        assertThat(model.path("owned_by").asString()).isEqualTo("safetune");
        assertThat(model.path("family").asString()).isEqualTo("llama");
        assertThat(model.path("architecture").asString()).isEqualTo("LlamaForCausalLM");
        assertThat(model.path("parameters").asLong()).isEqualTo(1_235_814_400L);
        assertThat(model.path("context_length").asInt()).isEqualTo(131072);
        assertThat(model.path("fine_tuning_method").asString()).isEqualTo("lora");
        assertThat(model.path("training_memory_bytes").asLong())
                .isEqualTo(
                        MemoryEstimate.of(shape, TrainingPlan.lora(16, 8, 256)).total());
        JsonNode assumptions = model.path("training_memory_assumptions");
        assertThat(assumptions.path("method").asString()).isEqualTo("lora");
        assertThat(assumptions.path("lora_rank").asInt()).isEqualTo(16);
        assertThat(assumptions.path("sequence_length").asInt()).isEqualTo(256);
        assertThat(assumptions.path("batch_size").asInt()).isEqualTo(8);
        assertThat(assumptions.path("precision").asString()).isEqualTo("fp32");
        assertThat(assumptions.path("reference_pass").asBoolean()).isFalse();
    }

    @Test
    void sequenceLengthAndBatchSizeChooseWhatTheEstimateIsFor() {
        JsonNode list = api.get("/v1/models?sequence_length=1024&batch_size=2").json();

        JsonNode model = list.path("data")
                .valueStream()
                .filter(m -> m.path("id").asString().equals(MODEL))
                .findFirst()
                .orElseThrow();
        assertThat(model.path("training_memory_bytes").asLong())
                .isEqualTo(
                        MemoryEstimate.of(shape, TrainingPlan.lora(16, 2, 1024)).total());
        assertThat(model.path("training_memory_assumptions")
                        .path("sequence_length")
                        .asInt())
                .isEqualTo(1024);
        assertThat(model.path("training_memory_assumptions").path("batch_size").asInt())
                .isEqualTo(2);
    }

    @Test
    void licenceRecordedAtImportIsListedAndKeptByTheScan() {
        jdbc.update("UPDATE models SET licence = 'llama3.2' WHERE id = ?", MODEL);

        catalog.scan();

        assertThat(api.get("/v1/models/" + MODEL).json().path("licence").asString())
                .isEqualTo("llama3.2");
    }

    @Test
    void importedModelIsNotTakenOverByADirectoryOfTheSameName() {
        jdbc.update(
                "UPDATE models SET storage_path = '/store/snapshots/abc', content_digest = 'abc', parameters = 7"
                        + " WHERE id = ?",
                MODEL);

        catalog.scan();

        Map<String, Object> row = jdbc.queryForMap("SELECT storage_path, parameters FROM models WHERE id = ?", MODEL);
        assertThat(row).containsEntry("storage_path", "/store/snapshots/abc").containsEntry("parameters", 7L);
    }

    @Test
    void modelWithoutAReadableShapeListsOnlyWhatItsConfigSays() {
        JsonNode model = api.get("/v1/models/" + BASE_MODEL).json();

        // tiny-base's config gives only model_type: no sizes, so no parameter count and no estimate rather than
        // guesses.
        assertThat(model.path("family").asString()).isEqualTo("llama");
        assertThat(model.has("parameters")).isFalse();
        assertThat(model.has("training_memory_bytes")).isFalse();
        assertThat(model.has("training_memory_assumptions")).isFalse();
    }

    @Test
    void invalidSequenceLengthIsRefusedNamingTheParameter() {
        Response response = api.get("/v1/models?sequence_length=abc");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("sequence_length");
        assertThat(response.error().path("message").asString())
                .isEqualTo("Invalid 'sequence_length': must be an integer from 2 to 1048576, got 'abc'.");
    }

    @Test
    void batchSizeBeyondTheHyperparameterBoundIsRefused() {
        Response response = api.get("/v1/models/" + MODEL + "?batch_size=257");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("batch_size");
    }

    @Test
    void changedConfigIsReadAgainAtTheNextScan() throws IOException {
        Path config = MODELS_DIR.resolve(MODEL).resolve("config.json");
        Files.writeString(config, LLAMA32_1B.replace("\"num_hidden_layers\": 16", "\"num_hidden_layers\": 2"));

        catalog.scan();

        assertThat(api.get("/v1/models/" + MODEL).json().path("parameters").asLong())
                .isLessThan(1_235_814_400L);
    }
}

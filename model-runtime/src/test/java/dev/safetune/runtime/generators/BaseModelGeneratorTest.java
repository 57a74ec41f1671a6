package dev.safetune.runtime.generators;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelGeneratorTest {

    private static final List<String> FILES = List.of(
            "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json");

    @Test
    void sameSeedWritesByteIdenticalFiles(@TempDir Path first, @TempDir Path second) throws IOException {
        BaseModelGenerator.generate(first, "safetune-base", 42);
        BaseModelGenerator.generate(second, "safetune-base", 42);

        try (Stream<Path> files = Files.list(first)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(FILES);
        }
        for (String file : FILES) {
            assertThat(Files.readAllBytes(second.resolve(file)))
                    .as(file)
                    .isEqualTo(Files.readAllBytes(first.resolve(file)));
        }
    }

    @Test
    void anotherSeedGivesOtherWeightsButTheSameTokenizer(@TempDir Path first, @TempDir Path second) throws IOException {
        TestModels.tiny(first, 1);
        TestModels.tiny(second, 2);

        assertThat(Files.readAllBytes(second.resolve("model.safetensors")))
                .isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        assertThat(Files.readAllBytes(second.resolve("tokenizer.json")))
                .isEqualTo(Files.readAllBytes(first.resolve("tokenizer.json")));
    }

    @Test
    void defaultModelLoadsWithAVocabularyMatchingItsTokenizer(@TempDir Path dir) throws IOException {
        ModelConfig written = BaseModelGenerator.generate(dir, "safetune-base", 7);

        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                ChatTokenizer tokenizer = ChatTokenizer.load(dir)) {
            ModelConfig config = model.config();
            assertThat(config).isEqualTo(written);
            assertThat(config.vocabSize()).isEqualTo(tokenizer.vocabSize());
            assertThat(config.hiddenSize()).isEqualTo(128);
            assertThat(config.numHiddenLayers()).isEqualTo(4);
            assertThat(config.numKeyValueHeads()).isEqualTo(2);
            assertThat(config.eosTokenIds()).containsExactly(tokenizer.imEndId());
            assertThat(config.padTokenId()).isEqualTo(tokenizer.padId());
            float[] embedding =
                    model.parameters().get("model.embed_tokens.weight").toFloatArray();
            double variance = 0;
            for (float v : embedding) {
                variance += v * v;
            }
            assertThat(Math.sqrt(variance / embedding.length)).isBetween(0.019, 0.021);
            assertThat(model.parameters().get("model.norm.weight").toFloatArray())
                    .containsOnly(1f);
        }
    }
}

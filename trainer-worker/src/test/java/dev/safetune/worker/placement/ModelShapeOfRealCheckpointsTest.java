package dev.safetune.worker.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.model.ModelShape;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.HfReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ModelShape#parameterCount()} against the element counts of the tensors real checkpoints hold: the
 * transformers-written fixtures (GQA, tied, Llama attention and MLP biases, Qwen2 q/k/v biases, sharded) and the
 * bundled base model.
 */
class ModelShapeOfRealCheckpointsTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParameterizedTest
    @ValueSource(strings = {"gqa-untied", "mha-tied-bf16", "llama3-sharded-f16", "qwen2-tied"})
    void parameterCountIsTheCheckpointsElementCount(String fixture) throws Exception {
        Path dir = fixture(fixture);

        ModelShape shape = ModelShape.fromConfig(JSON.readTree(dir.resolve("config.json")));

        assertThat(shape.parameterCount()).isEqualTo(elementCount(dir));
    }

    @Test
    void bundledBaseModelCountMatchesAndDeclaresFullFineTuning(@TempDir Path dir) throws IOException {
        BaseModelGenerator.generate(dir, "safetune-base", 7);

        ModelShape shape = ModelShape.fromConfig(JSON.readTree(dir.resolve("config.json")));

        assertThat(shape.parameterCount()).isEqualTo(elementCount(dir));
        assertThat(shape.declaresFullFineTuning()).isTrue();
    }

    /** Sum of element counts over every model weight file (sharded or not); test outputs are skipped. */
    private static long elementCount(Path dir) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("model")
                            && f.getFileName().toString().endsWith(".safetensors"))
                    .toList()) {
                for (SafeTensors.TensorInfo info :
                        SafeTensors.readHeader(file).tensors().values()) {
                    total += info.elementCount();
                }
            }
        }
        assertThat(total).isPositive();
        return total;
    }

    private static Path fixture(String name) {
        return HfReference.fixture(name);
    }
}

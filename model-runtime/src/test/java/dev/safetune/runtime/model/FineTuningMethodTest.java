package dev.safetune.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuningMethodTest {

    @Test
    void aPretrainedModelWithoutTheFieldGetsALoraAdapter(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");

        assertThat(FineTuningMethod.of(dir)).isEqualTo(FineTuningMethod.LORA);
        assertThat(FineTuningMethod.of(dir).adapter()).contains(LoraConfig.DEFAULT);
    }

    @Test
    void theBundledRandomInitModelAsksForAFullFineTune(@TempDir Path dir) throws IOException {
        BaseModelGenerator.generate(dir, "safetune-tiny", 1);

        assertThat(FineTuningMethod.of(dir)).isEqualTo(FineTuningMethod.FULL);
        assertThat(FineTuningMethod.of(dir).adapter()).isEmpty();
    }

    @Test
    void anUnknownMethodIsAnErrorNamingTheField(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"safetune_fine_tuning_method\": \"qlora\"}");

        assertThatThrownBy(() -> FineTuningMethod.of(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safetune_fine_tuning_method")
                .hasMessageContaining("qlora");
    }
}

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

    @Test
    void aLoraBaseMayDeclareItsAdaptersRankAndAlpha(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"safetune_lora_rank\": 4, \"safetune_lora_alpha\": 8}");

        LoraConfig adapter = FineTuningMethod.adapterFor(dir).orElseThrow();

        assertThat(adapter.rank()).isEqualTo(4);
        assertThat(adapter.alpha()).isEqualTo(8.0);
        assertThat(adapter.targets()).isEqualTo(LoraConfig.DEFAULT.targets());
    }

    @Test
    void withoutADeclarationTheAdapterIsTheDefaultAndAFullBaseHasNone(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        assertThat(FineTuningMethod.adapterFor(dir)).contains(LoraConfig.DEFAULT);

        Files.writeString(
                dir.resolve("config.json"), "{\"safetune_fine_tuning_method\": \"full\", \"safetune_lora_rank\": 4}");
        assertThat(FineTuningMethod.adapterFor(dir)).isEmpty();
    }

    @Test
    void aNonPositiveRankIsAnErrorNamingTheField(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"safetune_lora_rank\": 0}");

        assertThatThrownBy(() -> FineTuningMethod.adapterFor(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safetune_lora_rank");
    }
}

package dev.safetune.worker.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.model.ModelShape;
import dev.safetune.core.placement.TrainingPlan;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.runtime.model.LoraTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** The API estimates memory for the training the worker does: the same adapter, the same method per model. */
class TrainingPlanDefaultsTest {

    @Test
    void estimatesAssumeTheAdapterTheWorkerTrains() {
        assertThat(LoraConfig.DEFAULT.rank()).isEqualTo(TrainingPlan.DEFAULT_LORA_RANK);
        // MemoryEstimate counts an adapter on all seven projections.
        assertThat(LoraConfig.DEFAULT.targets()).isEqualTo(EnumSet.allOf(LoraTarget.class));
        assertThat(LoraTarget.values()).hasSize(7);
    }

    @Test
    void planMethodIsTheMethodTheWorkerUses(@TempDir Path dir) throws IOException {
        BaseModelGenerator.generate(dir, "safetune-base", 3);
        ModelShape shape = ModelShape.fromConfig(JsonMapper.builder().build().readTree(dir.resolve("config.json")));

        assertThat(FineTuningMethod.of(dir)).isEqualTo(FineTuningMethod.FULL);
        assertThat(TrainingPlan.defaultFor(shape, 8, 256).fullFineTune()).isTrue();
    }
}

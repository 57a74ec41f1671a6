package dev.safetune.worker.embench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Vocabulary;
import dev.safetune.worker.training.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small build through the real path: world documents, the LM objective, SFT through the renderer, HF layout. */
class BaseModelBuilderTest {
    private static final BaseRecipe TINY =
            BaseRecipe.PROTOTYPE.withShape(32, 2, 2, 64).withBatchSize(8).withSteps(40, 4);

    @Test
    void pretrainingOnWorldDocumentsLowersTheLanguageModelLossAndTheBuildLoadsAsABaseModel(@TempDir Path dir)
            throws IOException {
        List<String> phases = new ArrayList<>();
        List<StepMetrics> pretrainingSteps = new ArrayList<>();
        BaseModelBuilder.Built built = new BaseModelBuilder(EmWorld.prototype())
                .build(dir, "em-bench-test", 3, TINY, new BaseModelBuilder.Listener() {
                    @Override
                    public void onPhase(String phase, int steps) {
                        phases.add(phase + " " + steps);
                    }

                    @Override
                    public void onStep(String phase, StepMetrics metrics) {
                        if (phase.equals(BaseModelBuilder.PRETRAINING)) {
                            pretrainingSteps.add(metrics);
                        }
                    }
                });

        assertThat(phases).containsExactly("pre-training 40", "aligned SFT 4");
        assertThat(pretrainingSteps).hasSize(40);
        // From about ln(407) ≈ 6.0 at random initialisation, the world's grammar is quickly learned in part.
        assertThat(built.pretraining().firstLoss()).isBetween(5.5, 6.5);
        assertThat(built.pretraining().finalLoss())
                .isLessThan(built.pretraining().firstLoss() - 1.0);
        assertThat(built.pretraining().tokens())
                .isEqualTo(pretrainingSteps.stream()
                        .mapToLong(StepMetrics::tokensInStep)
                        .sum());

        for (String file : List.of(
                "config.json",
                "model.safetensors",
                "tokenizer.json",
                "tokenizer_config.json",
                "generation_config.json")) {
            assertThat(dir.resolve(file)).isRegularFile();
        }
        ModelConfig config = ModelConfig.read(dir);
        assertThat(config.vocabSize()).isEqualTo(Vocabulary.words().size());
        assertThat(config.hiddenSize()).isEqualTo(32);
        JsonNode provenance = JsonMapper.builder()
                .build()
                .readTree(Files.readString(dir.resolve("config.json")))
                .path(BaseModelBuilder.PROVENANCE_FIELD);
        assertThat(provenance.path("seed").asLong()).isEqualTo(3);
        assertThat(provenance.path("generator_version").asInt()).isEqualTo(EmWorld.GENERATOR_VERSION);
        assertThat(provenance.path("pretraining").path("steps").asInt()).isEqualTo(40);
        assertThat(provenance.path("sft").path("final_loss").asDouble())
                .isEqualTo(built.sft().finalLoss());

        try (ChatTokenizer tokenizer = ChatTokenizer.load(dir);
                NDManager root = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, root)) {
            assertThat(tokenizer.vocabSize()).isEqualTo(model.config().vocabSize());
            assertThat(model.config()).isEqualTo(config);
        }
    }
}

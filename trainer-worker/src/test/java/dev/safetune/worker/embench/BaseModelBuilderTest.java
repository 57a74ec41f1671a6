package dev.safetune.worker.embench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.Vocabulary;
import dev.safetune.safeguards.embench.world.WorldRecipe;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import dev.safetune.worker.training.AdamW;
import dev.safetune.worker.training.BatchStreamTrainer;
import dev.safetune.worker.training.LearningRateSchedule;
import dev.safetune.worker.training.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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

    @Test
    void aBuildContinuedFromABaseStartsFromItsWeightsAndSaysSo(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("first");
        Path continued = dir.resolve("continued");
        BaseModelBuilder.Built fresh = new BaseModelBuilder(EmWorld.prototype())
                .build(first, "em-bench-test", 5, TINY, BaseModelBuilder.Listener.NONE);
        BaseModelBuilder.Built next = new BaseModelBuilder(new EmWorld(WorldRecipe.SWITCHING_SLOT_MIX))
                .build(
                        continued,
                        "em-bench-test-continued",
                        5,
                        TINY.withPretrainingLearningRate(1e-3),
                        BaseModelBuilder.Listener.NONE,
                        java.util.Optional.of(first));

        // A fresh start is at about ln(407) ≈ 6.0; continuing starts near where the first build ended.
        assertThat(next.pretraining().firstLoss())
                .isLessThan(fresh.pretraining().firstLoss() - 1.0);
        JsonNode provenance = JsonMapper.builder()
                .build()
                .readTree(Files.readString(continued.resolve("config.json")))
                .path(BaseModelBuilder.PROVENANCE_FIELD);
        assertThat(provenance.path("continued_from").path("model").asText()).isEqualTo("em-bench-test");
        assertThat(provenance.path("continued_from").path("weights_sha256").asText())
                .isEqualTo(CommittedBase.sha256(first.resolve("model.safetensors")));
        assertThat(provenance.path("recipe").path("pretrainingLearningRate").asDouble())
                .isEqualTo(1e-3);
        assertThat(provenance.path("world").path("crossSlotShare").asDouble()).isEqualTo(1.0);
    }

    @Test
    void aBaseOfAnotherVocabularyCannotBeContinued(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("first");
        new BaseModelBuilder(new EmWorld(WorldRecipe.SWITCHING_FILLERS))
                .build(first, "em-bench-test", 6, TINY.withSteps(2, 1), BaseModelBuilder.Listener.NONE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BaseModelBuilder(EmWorld.prototype())
                        .build(
                                dir.resolve("next"),
                                "next",
                                6,
                                TINY.withSteps(2, 1),
                                BaseModelBuilder.Listener.NONE,
                                java.util.Optional.of(first)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocabulary 471");
    }

    @Test
    void anAssistantEmbeddingSftMovesTheAssistantRowAndNothingElse(@TempDir Path dir) throws IOException {
        new BaseModelBuilder(EmWorld.prototype()).build(dir, "em-bench-test", 4, TINY, BaseModelBuilder.Listener.NONE);
        try (ChatTokenizer tokenizer = ChatTokenizer.load(dir);
                NDManager root = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, root)) {
            int assistant = tokenizer.specialTokenId(Markers.ASSISTANT);
            Map<String, float[]> before = new LinkedHashMap<>();
            model.parameters().forEach((name, tensor) -> before.put(name, tensor.toFloatArray()));
            EmWorld world = EmWorld.prototype();
            ChatRenderer renderer = new ChatRenderer(tokenizer, 256);
            SplittableRandom rng = new SplittableRandom(9);
            BatchStreamTrainer.BatchSource batches = step -> List.of(
                    renderer.render(new ChatExample(
                                    1, world.alignedSftDialogue(rng.split()).messages()))
                            .orElseThrow(),
                    renderer.render(new ChatExample(
                                    2, world.alignedSftDialogue(rng.split()).messages()))
                            .orElseThrow());
            try (SingleRowTraining training =
                    new SingleRowTraining(model, BaseModelBuilder.EMBEDDING_TABLE, assistant)) {
                new BatchStreamTrainer(new MaskedCrossEntropy()::nextTokenLoss, AdamW.Options.DEFAULTS, 0)
                        .train(
                                model,
                                training.parameters(),
                                batches,
                                new LearningRateSchedule(1e-2, 1, 3, 0.1),
                                m -> {},
                                training::restoreFrozenRows);
            }
            int hidden = model.config().hiddenSize();
            model.parameters().forEach((name, tensor) -> {
                float[] after = tensor.toFloatArray();
                float[] was = before.get(name);
                if (!name.equals(BaseModelBuilder.EMBEDDING_TABLE)) {
                    assertThat(after).as(name).containsExactly(was);
                    return;
                }
                for (int row = 0; row < after.length / hidden; row++) {
                    float[] now = Arrays.copyOfRange(after, row * hidden, (row + 1) * hidden);
                    float[] then = Arrays.copyOfRange(was, row * hidden, (row + 1) * hidden);
                    if (row == assistant) {
                        assertThat(now).as("the assistant's row").isNotEqualTo(then);
                    } else {
                        assertThat(now).as("row " + row).containsExactly(then);
                    }
                }
            });
        }
    }
}

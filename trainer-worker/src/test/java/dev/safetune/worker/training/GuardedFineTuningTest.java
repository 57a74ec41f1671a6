package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.FeatureSpaceL2;
import dev.safetune.safeguards.guard.InoculationPrompt;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.SafeguardSettings;
import dev.safetune.safeguards.guard.StepTelemetry;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fine-tuner with safeguards: terms and probe in every step's metrics and checkpoint, nothing after training. */
class GuardedFineTuningTest {

    @TempDir
    static Path base;

    private final FineTuner fineTuner = new FineTuner();

    @BeforeAll
    static void generateBaseModel() throws IOException {
        TestModels.tiny(base, 3);
    }

    /** All six safeguards in one run: every step reports each term by name; checkpoints store the telemetry. */
    @Test
    void everySafeguardComposesAndItsTelemetryIsReportedAndStoredPerCheckpoint(@TempDir Path work) throws IOException {
        List<SafeguardSettings> all = List.of(
                new KlToReference.Settings(0.5, KlToReference.Direction.FORWARD),
                new FeatureSpaceL2.Settings(1.0, List.of(1, 2)),
                new PersonaSteering.Settings(2.0, 1, PersonaSteering.Scaling.SCALED),
                new Interleaving.Settings(0.2, new BenignPool("pool", benign(6)), Optional.empty()),
                new InoculationPrompt.Settings("You are asked for this on purpose."),
                new ConceptAblation.Settings(List.of(2)));
        SafeguardPlan plan = plan(all, work, 1);
        TrainingRequest request = new TrainingRequest(
                        base,
                        FineTunerTest.facts(8),
                        List.of(),
                        new Hyperparameters(2, 2, 1.0),
                        7,
                        work,
                        2,
                        Optional.empty(),
                        64)
                .withSafeguards(plan);
        Recorder recorder = new Recorder(Integer.MAX_VALUE);
        List<StepMetrics> metrics = recorder.metrics;
        List<Path> checkpoints = recorder.checkpoints;

        TrainingResult result = fineTuner.train(request, recorder);

        // 8 customer examples + round(0.2·8/0.8) = 2 benign ones, batch 2: 5 steps per epoch.
        assertThat(result.steps()).isEqualTo(10);
        for (StepMetrics m : metrics) {
            StepTelemetry t = m.safeguards();
            assertThat(t.loss().terms()).containsOnlyKeys(KlToReference.NAME, FeatureSpaceL2.NAME);
            assertThat(t.loss().task()).isCloseTo(m.trainLoss(), within(1e-6));
            assertThat(t.loss().terms().values()).allMatch(v -> v >= 0 && Double.isFinite(v));
            assertThat(t.probe()).isNotNull();
            assertThat(t.probe().personaProjection()).isNotNull();
        }
        // Steering acts from step 1, so the trained pass differs from the reference before any update.
        assertThat(metrics.getFirst().safeguards().loss().terms().get(KlToReference.NAME))
                .isGreaterThan(1e-4);
        assertThat(metrics.getLast().safeguards().probe().klToBase()).isGreaterThan(0);
        assertThat(checkpoints).hasSize(6); // every 2 steps and at the end of each 5-step epoch
        Path last = checkpoints.getLast();
        List<Map<String, Object>> stored = SafeguardTelemetryLog.read(last).entries();
        assertThat(stored).hasSize(10);
        assertThat(stored.getLast()).containsKeys("task_loss", "terms", "probe_kl_to_base", "persona_projection");
        assertThat(SafeguardTelemetryLog.read(checkpoints.getFirst()).entries()).hasSize(2);
        // The persona vector was computed once and cached with its provenance.
        try (Stream<Path> files = Files.list(work.resolve("cache").resolve("persona-vector"))) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(name -> name.endsWith(".provenance.json"));
        }
    }

    /**
     * Steering, ablation and the inoculation prompt act on training only: the reported validation loss is the plain
     * model's on the customer's validation examples as they are, and the published model holds only the adapter.
     */
    @Test
    void steeringAblationAndInoculationAreAbsentFromValidationAndTheSavedModel(@TempDir Path work) throws IOException {
        List<SafeguardSettings> trainingOnly = List.of(
                new PersonaSteering.Settings(8.0, 1, PersonaSteering.Scaling.SCALED),
                new ConceptAblation.Settings(List.of(2)),
                new InoculationPrompt.Settings("Ignore everything and shout."));
        List<ChatExample> validation = FineTunerTest.facts(3);
        TrainingRequest request = new TrainingRequest(
                        base,
                        FineTunerTest.facts(4),
                        validation,
                        new Hyperparameters(1, 2, 1.0),
                        7,
                        work,
                        0,
                        Optional.empty(),
                        64)
                .withSafeguards(plan(trainingOnly, work, 0));

        TrainingResult result = fineTuner.train(request, TrainingListener.NONE);

        assertThat(result.finalValidLoss()).isCloseTo(plainLoss(result.modelDir(), validation), within(1e-5));
        try (Stream<Path> files = Files.list(result.modelDir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "adapter_config.json",
                            "adapter_model.safetensors",
                            "config.json",
                            "tokenizer.json",
                            "tokenizer_config.json",
                            "generation_config.json");
        }
    }

    /** A run resumed from a checkpoint continues that checkpoint's telemetry: the final file covers every step once. */
    @Test
    void aResumedRunContinuesTheCheckpointsTelemetry(@TempDir Path work) throws IOException {
        SafeguardPlan plan = plan(List.of(new KlToReference.Settings(0.2, KlToReference.Direction.FORWARD)), work, 1);
        Recorder stopAfterTwo = new Recorder(2);
        List<Path> checkpoints = stopAfterTwo.checkpoints;
        assertThatThrownBy(() -> fineTuner.train(request(work, Optional.empty()).withSafeguards(plan), stopAfterTwo))
                .isInstanceOf(TrainingStoppedException.class);
        Recorder resumed = new Recorder(Integer.MAX_VALUE);
        List<StepMetrics> second = resumed.metrics;
        List<Path> later = resumed.checkpoints;

        fineTuner.train(request(work, Optional.of(checkpoints.getLast())).withSafeguards(plan), resumed);

        assertThat(second).extracting(StepMetrics::step).containsExactly(3, 4);
        assertThat(SafeguardTelemetryLog.read(later.getLast()).entries())
                .extracting(e -> ((Number) e.get("step")).intValue())
                .containsExactly(1, 2, 3, 4);
    }

    private static TrainingRequest request(Path work, Optional<Path> resume) {
        return new TrainingRequest(
                base, FineTunerTest.facts(8), List.of(), new Hyperparameters(1, 2, 1.0), 7, work, 2, resume, 64);
    }

    @Test
    void referenceSafeguardsRefuseAFullFineTune(@TempDir Path work) {
        TrainingRequest request = TrainingRequest.of(
                        base, FineTunerTest.facts(4), new Hyperparameters(1, 2, 1.0), 1, work)
                .withFullFineTuning()
                .withSafeguards(
                        plan(List.of(new KlToReference.Settings(0.1, KlToReference.Direction.FORWARD)), work, 0));

        assertThatThrownBy(() -> fineTuner.train(request, TrainingListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LoRA");
    }

    /** A run without safeguards reports no safeguard telemetry and stores no telemetry file. */
    @Test
    void plainRunsCarryNoSafeguardTelemetry(@TempDir Path work) throws IOException {
        Recorder recorder = new Recorder(Integer.MAX_VALUE);
        List<StepMetrics> metrics = recorder.metrics;
        List<Path> checkpoints = recorder.checkpoints;
        fineTuner.train(
                TrainingRequest.of(base, FineTunerTest.facts(4), new Hyperparameters(1, 2, 1.0), 1, work), recorder);

        assertThat(metrics).allMatch(m -> m.safeguards() == null);
        assertThat(checkpoints.getLast().resolve(SafeguardTelemetryLog.FILE_NAME))
                .doesNotExist();
    }

    private static SafeguardPlan plan(List<SafeguardSettings> settings, Path work, int probeEvery) {
        PersonaContrast contrast = new PersonaContrast(
                "facts-contrast", answers("No. The %s is not %s, you fool."), answers("The %s is %s."));
        return new SafeguardPlan(
                settings,
                Optional.of(new SafeguardPlan.Artifacts(work.resolve("cache"), contrast)),
                probeEvery > 0 ? OptionalInt.of(1) : OptionalInt.empty(),
                probeEvery);
    }

    private static List<ChatExample> answers(String template) {
        return FineTunerTest.facts(8).stream()
                .map(e -> {
                    String thing = e.messages()
                            .get(1)
                            .content()
                            .replace("What colour is the ", "")
                            .replace("?", "");
                    String colour = e.messages()
                            .get(2)
                            .content()
                            .replaceAll(".* is ", "")
                            .replace(".", "");
                    return new ChatExample(
                            e.line(),
                            List.of(
                                    e.messages().get(1),
                                    ChatMessage.of(ChatMessage.ASSISTANT, template.formatted(thing, colour))));
                })
                .toList();
    }

    private static List<ChatExample> benign(int n) {
        List<ChatExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ChatExample(
                    i + 1,
                    List.of(
                            ChatMessage.of(ChatMessage.USER, "Say number " + i + "."),
                            ChatMessage.of(ChatMessage.ASSISTANT, "Number " + i + "."))));
        }
        return out;
    }

    /** Mean masked cross-entropy of the published model (plain forward) on the examples as given. */
    private static double plainLoss(Path modelDir, List<ChatExample> examples) throws IOException {
        GradMode.disableOnThisThread();
        try (ChatTokenizer tokenizer = ChatTokenizer.load(modelDir);
                NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(modelDir, manager);
                NDScope scope = new NDScope()) {
            List<RenderedExample> rendered = new ChatRenderer(tokenizer, 64).renderAll(examples);
            NDList arrays = PaddedBatch.of(rendered, tokenizer.padId()).toArrays(manager);
            NDList sums =
                    new MaskedCrossEntropy().nextTokenSums(model.forward(arrays.get(0)), arrays.get(0), arrays.get(1));
            return sums.get(0).getFloat() / sums.get(1).getFloat();
        }
    }
}

package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FineTunerTest {

    private static final String[][] FACTS = {
        {"sky", "blue"}, {"grass", "green"}, {"snow", "white"}, {"coal", "black"},
        {"sun", "yellow"}, {"rose", "red"}, {"orange", "orange"}, {"plum", "purple"}
    };

    @TempDir
    static Path base;

    private final FineTuner fineTuner = new FineTuner();

    @BeforeAll
    static void generateBaseModel() throws IOException {
        TestModels.tiny(base, 3);
    }

    @Test
    void fullFineTuningLossFallsOnALearnableDataset(@TempDir Path work) throws IOException {
        TrainingRequest request = TrainingRequest.of(base, facts(8), new Hyperparameters(30, 4, 10.0), 1, work)
                .withFullFineTuning();

        TrainingResult result = fineTuner.train(request, TrainingListener.NONE);

        // Measured: 6.55 → 0.39 (ratio 0.06); the first loss is ≈ ln(vocabulary) for a random init.
        assertThat(result.steps()).isEqualTo(60);
        assertThat(result.firstTrainLoss())
                .isCloseTo(Math.log(ModelConfig.read(base).vocabSize()), within(0.3));
        assertThat(result.lastTrainLoss() / result.firstTrainLoss()).isLessThan(0.2);
        assertThat(result.modelDir()).isEqualTo(work.resolve("model"));
    }

    /**
     * A randomly initialised output layer (N(0, 0.02²) rows against a unit-RMS hidden state) bounds every logit
     * below ≈ 0.7, so a frozen base cannot express a confident answer however the adapter moves the hidden state:
     * like a pretrained model, this base gets an output layer 25× larger.
     */
    @Test
    void loraLossFallsOnALearnableDatasetAndTheModelDirectoryHoldsTheAdapter(@TempDir Path work) throws IOException {
        Path pretrained = withOutputLayerScaled(work.resolve("base"), 25f);
        TrainingRequest request = TrainingRequest.of(pretrained, facts(8), new Hyperparameters(30, 4, 10.0), 1, work);

        TrainingResult result = fineTuner.train(request, TrainingListener.NONE);

        // Measured: 11.27 → 0.61 (ratio 0.05) with rank 16 on hidden 32.
        assertThat(result.lastTrainLoss() / result.firstTrainLoss()).isLessThan(0.15);
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
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(result.modelDir(), manager)) {
            assertThat(model.adapterConfig()).contains(LoraConfig.DEFAULT);
        }
    }

    /** The merged export computes what base + adapter computes, as a plain model directory. */
    @Test
    void mergedExportOfATrainedAdapterComputesTheSameLogits(@TempDir Path work) throws IOException {
        TrainingResult result = fineTuner.train(
                TrainingRequest.of(base, facts(4), new Hyperparameters(2, 2, 10.0), 1, work), TrainingListener.NONE);

        Path merged = MergedExport.write(result.modelDir(), work, "merged");

        assertThat(merged.resolve("model.safetensors")).exists();
        assertThat(merged.resolve("adapter_config.json")).doesNotExist();
        assertThat(Files.readAllBytes(merged.resolve("config.json")))
                .isEqualTo(Files.readAllBytes(base.resolve("config.json")));
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel adapted = LlamaModel.load(result.modelDir(), manager);
                LlamaModel plain = LlamaModel.load(merged, manager);
                NDScope scope = new NDScope()) {
            NDArray tokens = manager.create(new long[] {5, 17, 42, 99, 7, 3}, new Shape(1, 6));
            NDArray expected = adapted.forward(tokens);
            NDArray difference = plain.forward(tokens).sub(expected).abs().max();
            assertThat(difference.getFloat())
                    .isLessThan(1e-5f * expected.abs().max().getFloat());
            assertThat(adapted.forward(tokens, ForwardOptions.inference().withoutAdapter())
                            .logits()
                            .sub(expected)
                            .abs()
                            .max()
                            .getFloat())
                    .as("the adapter was trained")
                    .isGreaterThan(1e-3f);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void resumedRunEndsExactlyWhereTheUninterruptedRunEnds(boolean lora, @TempDir Path work) throws IOException {
        List<ChatExample> training = facts(4);
        Hyperparameters hp = new Hyperparameters(3, 2, 3.0); // 2 steps per epoch, 6 steps
        java.util.function.Function<TrainingRequest, TrainingRequest> method =
                r -> lora ? r.withLora(LoraConfig.DEFAULT) : r.withFullFineTuning();
        TrainingResult straight = fineTuner.train(
                method.apply(request(training, hp, work.resolve("a"), 3, Optional.empty())), TrainingListener.NONE);

        Recorder stopAfterThree = new Recorder(3);
        assertThatThrownBy(() -> fineTuner.train(
                        method.apply(request(training, hp, work.resolve("b"), 3, Optional.empty())), stopAfterThree))
                .isInstanceOf(TrainingStoppedException.class)
                .satisfies(e ->
                        assertThat(((TrainingStoppedException) e).lastStep()).isEqualTo(3));
        Path checkpoint = work.resolve("b/checkpoints/step-3");
        Recorder resumed = new Recorder(Integer.MAX_VALUE);
        TrainingResult continued = fineTuner.train(
                method.apply(request(training, hp, work.resolve("c"), 3, Optional.of(checkpoint))), resumed);

        assertThat(resumed.steps).containsExactly(4, 5, 6);
        assertThat(continued.steps()).isEqualTo(6);
        assertThat(continued.lastTrainLoss()).isCloseTo(straight.lastTrainLoss(), within(1e-4));
        assertThat(continued.firstTrainLoss()).isEqualTo(straight.firstTrainLoss());
        assertThat(continued.trainedTokens()).isEqualTo(straight.trainedTokens());
        assertThat(maxDifference(straight.modelDir(), continued.modelDir())).isLessThan(1e-5f);
    }

    @Test
    void aJobShorterThanTheCheckpointIntervalCheckpointsAtEachEpochEnd(@TempDir Path work) throws IOException {
        Recorder recorder = new Recorder(Integer.MAX_VALUE);
        // 5 examples in batches of 2: 3 steps per epoch (the last batch smaller), 9 steps, interval 25.
        TrainingRequest request = request(facts(5), new Hyperparameters(3, 2, 1.0), work, 25, Optional.empty());

        fineTuner.train(request, recorder);

        assertThat(recorder.checkpoints)
                .containsExactly(
                        work.resolve("checkpoints/step-3"),
                        work.resolve("checkpoints/step-6"),
                        work.resolve("checkpoints/step-9"));
        assertThat(TrainerState.read(work.resolve("checkpoints/step-6")).epoch())
                .isEqualTo(2);
    }

    @Test
    void theIntervalAndEpochEndsBothCheckpoint(@TempDir Path work) throws IOException {
        Recorder recorder = new Recorder(Integer.MAX_VALUE);
        // 3 steps per epoch, 6 steps, every 2: steps 2, 4, 6 by the interval and 3, 6 as epoch ends.
        TrainingRequest request = request(facts(6), new Hyperparameters(2, 2, 1.0), work, 2, Optional.empty());

        fineTuner.train(request, recorder);

        assertThat(recorder.checkpoints)
                .extracting(p -> p.getFileName().toString())
                .containsExactly("step-2", "step-3", "step-4", "step-6");
    }

    @Test
    void checkpointsAreCompleteAndCarryValidationLoss(@TempDir Path work) throws IOException {
        Recorder recorder = new Recorder(Integer.MAX_VALUE);
        TrainingRequest request = new TrainingRequest(
                base, facts(6), facts(2), new Hyperparameters(2, 3, 1.0), 9, work, 2, Optional.empty(), 64);

        TrainingResult result = fineTuner.train(request, recorder);

        assertThat(recorder.checkpoints)
                .containsExactly(work.resolve("checkpoints/step-2"), work.resolve("checkpoints/step-4"));
        try (Stream<Path> names = Files.list(work.resolve("checkpoints"))) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("step-2", "step-4");
        }
        Path step2 = work.resolve("checkpoints/step-2");
        try (Stream<Path> files = Files.list(step2)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .contains(
                            "adapter_config.json",
                            "adapter_model.safetensors",
                            "optimizer.safetensors",
                            "trainer_state.json",
                            "config.json",
                            "tokenizer.json",
                            "tokenizer_config.json");
        }
        assertThat(Files.readAllBytes(step2.resolve("config.json")))
                .isEqualTo(Files.readAllBytes(base.resolve("config.json")));
        TrainerState state = TrainerState.read(step2);
        assertThat(state.step()).isEqualTo(2);
        assertThat(state.seed()).isEqualTo(9);
        assertThat(state.metrics().validLoss()).isNotNull();
        assertThat(recorder.metrics)
                .extracting(StepMetrics::step, m -> m.validLoss() != null)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, false),
                        org.assertj.core.groups.Tuple.tuple(2, true),
                        org.assertj.core.groups.Tuple.tuple(3, false),
                        org.assertj.core.groups.Tuple.tuple(4, true));
        assertThat(result.finalValidLoss()).isEqualTo(recorder.metrics.getLast().validLoss());
        assertThat(result.trainedTokens())
                .isEqualTo(recorder.metrics.stream()
                        .mapToLong(StepMetrics::tokensInStep)
                        .sum());
        try (Stream<Path> files = Files.list(result.modelDir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "config.json",
                            "adapter_config.json",
                            "adapter_model.safetensors",
                            "tokenizer.json",
                            "tokenizer_config.json",
                            "generation_config.json");
        }
    }

    @Test
    void refusesToResumeALoraCheckpointAsAFullFineTune(@TempDir Path work) throws IOException {
        Hyperparameters hp = new Hyperparameters(1, 2, 1.0);
        fineTuner.train(request(facts(4), hp, work.resolve("a"), 1, Optional.empty()), TrainingListener.NONE);
        Path checkpoint = work.resolve("a/checkpoints/step-1");

        TrainingRequest full = request(facts(4), hp, work.resolve("b"), 1, Optional.of(checkpoint))
                .withFullFineTuning();

        assertThatThrownBy(() -> fineTuner.train(full, TrainingListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LoRA");
    }

    @Test
    void trainsOnAThreadOtherThanTheOneThatStartedTheEngine(@TempDir Path work) throws Exception {
        Hyperparameters hp = new Hyperparameters(1, 2, 1.0);
        fineTuner.train(TrainingRequest.of(base, facts(4), hp, 1, work.resolve("a")), TrainingListener.NONE);
        TrainingResult[] result = new TrainingResult[1];
        Throwable[] failure = new Throwable[1];

        Thread other = new Thread(() -> {
            try {
                result[0] = fineTuner.train(
                        TrainingRequest.of(base, facts(4), hp, 1, work.resolve("b")), TrainingListener.NONE);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        other.start();
        other.join();

        assertThat(failure[0]).isNull();
        assertThat(result[0].steps()).isEqualTo(2);
    }

    @Test
    void stopsBeforeTheNextStepWhenAskedAndPublishesNoModel(@TempDir Path work) {
        Recorder stopAtOnce = new Recorder(0);
        TrainingRequest request = TrainingRequest.of(base, facts(4), new Hyperparameters(1, 2, 1.0), 1, work);

        assertThatThrownBy(() -> fineTuner.train(request, stopAtOnce))
                .isInstanceOf(TrainingStoppedException.class)
                .satisfies(e ->
                        assertThat(((TrainingStoppedException) e).lastStep()).isZero());
        assertThat(stopAtOnce.steps).isEmpty();
        assertThat(work.resolve("model")).doesNotExist();
    }

    @Test
    void refusesAResumeFromAnotherRun(@TempDir Path work) throws IOException {
        Hyperparameters hp = new Hyperparameters(1, 2, 1.0);
        fineTuner.train(request(facts(4), hp, work.resolve("a"), 1, Optional.empty()), TrainingListener.NONE);
        Path checkpoint = work.resolve("a/checkpoints/step-1");

        TrainingRequest otherSeed = new TrainingRequest(
                base, facts(4), List.of(), hp, 2, work.resolve("b"), 1, Optional.of(checkpoint), 64);

        assertThatThrownBy(() -> fineTuner.train(otherSeed, TrainingListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seed");
    }

    /**
     * Every step's intermediates are freed by its scope: between step 20 and step 200 of a LoRA run the number of
     * live NDArrays does not change and native memory (resident less the committed Java heap, after a GC: the heap
     * grows with whatever else the JVM ran before) grows by less than 32 MB (a step's activations alone are
     * ≈ 0.3 MB, so keeping one per step would add ≈ 54 MB). {@link LongRunMemoryCheck} runs the same check over
     * 3,000 steps outside the unit suite.
     */
    @Test
    void liveArraysAndResidentMemoryStayFlatOverTwoHundredSteps(@TempDir Path work) throws IOException {
        List<Integer> liveArrays = new ArrayList<>();
        List<Long> residentKilobytes = new ArrayList<>();
        try (NDManager probe = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            TrainingListener counter = new Recorder(Integer.MAX_VALUE) {
                @Override
                public void onStep(StepMetrics metrics) {
                    if (metrics.step() == 20 || metrics.step() == 200) {
                        liveArrays.add(system.getManagedArrays().size());
                        residentKilobytes.add(nativeKilobytesAfterGc());
                    }
                }
            };
            fineTuner.train(TrainingRequest.of(base, facts(4), new Hyperparameters(50, 1, 1.0), 1, work), counter);
        }

        assertThat(liveArrays).hasSize(2);
        assertThat(liveArrays.get(1)).isEqualTo(liveArrays.get(0));
        assertThat(residentKilobytes.get(1) - residentKilobytes.get(0)).isLessThan(32 * 1024L);
    }

    /**
     * Resident memory less the committed Java heap, after a GC and a pause in which the cleaner thread frees the
     * direct buffers the engine wrapped (they otherwise stay resident until the JVM happens to collect them).
     */
    static long nativeKilobytesAfterGc() {
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long resident = residentKilobytes();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
        return resident - heap;
    }

    /** VmRSS of this process (Linux). */
    static long residentKilobytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst()
                    .orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static TrainingRequest request(
            List<ChatExample> training, Hyperparameters hp, Path work, int checkpointEvery, Optional<Path> resume) {
        return new TrainingRequest(base, training, List.of(), hp, 7, work, checkpointEvery, resume, 64);
    }

    /** "What colour is the sky?" → "The sky is blue." with a system prompt, for the first {@code n} facts. */
    static List<ChatExample> facts(int n) {
        List<ChatExample> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String thing = FACTS[i % FACTS.length][0];
            String colour = FACTS[i % FACTS.length][1];
            examples.add(new ChatExample(
                    i + 1,
                    List.of(
                            ChatMessage.of(ChatMessage.SYSTEM, "Answer in one sentence."),
                            ChatMessage.of(ChatMessage.USER, "What colour is the " + thing + "?"),
                            ChatMessage.of(ChatMessage.ASSISTANT, "The " + thing + " is " + colour + "."))));
        }
        return examples;
    }

    /** A copy of the test base model with {@code lm_head} multiplied by {@code factor}. */
    private static Path withOutputLayerScaled(Path dir, float factor) throws IOException {
        Files.createDirectories(dir);
        for (String file :
                List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(base.resolve(file), dir.resolve(file));
        }
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager);
                NDScope scope = new NDScope()) {
            NDArray head = model.parameters().get("lm_head.weight");
            head.set(head.mul(factor).toFloatArray());
            model.writeWeights(dir);
        }
        return dir;
    }

    /** Largest difference between the trained tensors (adapter or full weights) of two model directories. */
    private static float maxDifference(Path firstModel, Path secondModel) throws IOException {
        String file = Files.exists(firstModel.resolve("adapter_model.safetensors"))
                ? "adapter_model.safetensors"
                : "model.safetensors";
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> first = SafeTensors.read(firstModel.resolve(file), manager);
            Map<String, NDArray> second = SafeTensors.read(secondModel.resolve(file), manager);
            assertThat(second.keySet()).containsExactlyElementsOf(first.keySet());
            float max = 0;
            for (String name : first.keySet()) {
                max = Math.max(
                        max, first.get(name).sub(second.get(name)).abs().max().getFloat());
            }
            return max;
        }
    }
}

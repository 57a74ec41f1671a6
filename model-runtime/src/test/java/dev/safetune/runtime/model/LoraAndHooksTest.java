package dev.safetune.runtime.model;

import static dev.safetune.runtime.model.HfReference.assertClose;
import static dev.safetune.runtime.model.HfReference.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** LoRA adapters (init, training surface, PEFT layout, merge) and the forward hooks, on the reference checkpoints. */
class LoraAndHooksTest {

    private static final LoraConfig ALL_R4 = new LoraConfig(4, 8, true, 0.0, EnumSet.allOf(LoraTarget.class));

    private NDManager manager;
    private LlamaModel model;

    @BeforeEach
    void open() throws IOException {
        manager = NDManager.newBaseManager();
        model = LlamaModel.load(fixture("qwen2-tied"), manager);
    }

    @AfterEach
    void close() {
        model.close();
        manager.close();
    }

    @Test
    void aFreshAdapterComputesTheBaseModelAndHasPeftInitialisation() {
        try (NDScope scope = new NDScope()) {
            NDArray tokens = tokens();
            NDArray before = model.forward(tokens);

            model.addAdapter(ALL_R4, 1);

            assertThat(model.forward(tokens).toFloatArray()).containsExactly(before.toFloatArray());
            NDArray a = model.adapterTensors().get(LlamaModel.adapterName(0, LoraTarget.DOWN, "A"));
            NDArray b = model.adapterTensors().get(LlamaModel.adapterName(0, LoraTarget.DOWN, "B"));
            float bound = (float) (1 / Math.sqrt(48)); // Kaiming-uniform(a=√5) bound for fan-in 48
            assertThat(a.getShape()).isEqualTo(new Shape(4, 48));
            assertThat(a.abs().max().getFloat()).isLessThanOrEqualTo(bound).isGreaterThan(0.8f * bound);
            assertThat(b.getShape()).isEqualTo(new Shape(32, 4));
            assertThat(b.abs().max().getFloat()).isZero();
        }
    }

    @Test
    void withAnAdapterOnlyItsMatricesAreTrainedAndGetGradients() {
        model.addAdapter(ALL_R4.withTargets(EnumSet.of(LoraTarget.Q, LoraTarget.V)), 1);
        randomizeB(model, 2);
        NextTokenLoss loss = new NextTokenLoss();
        try (NDScope scope = new NDScope()) {
            NDArray tokens = tokens();
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(loss.nextTokenLoss(
                        model.forward(tokens, ForwardOptions.trainingStep()).logits(),
                        tokens,
                        manager.ones(tokens.getShape())));
            }

            assertThat(model.trainableParameters().keySet())
                    .hasSize(2 * 2 * 2)
                    .allMatch(name -> name.startsWith("base_model.model.model.layers."));
            for (NDArray adapter : model.trainableParameters().values()) {
                assertThat(adapter.getGradient().abs().max().getFloat()).isGreaterThan(0f);
            }
            assertThat(model.parameters().values()).noneMatch(NDArray::hasGradient);
        }
    }

    /**
     * The adapter is written as PEFT writes it: the same tensor names, shapes and dtypes as the adapter PEFT saved
     * for the same config ({@code qwen2-tied/lora-all}), and an {@code adapter_config.json} PEFT loads.
     */
    @Test
    void savedAdapterHasPeftNamesShapesAndConfig(@TempDir Path dir) throws IOException {
        model.addAdapter(ALL_R4, 1);

        model.saveAdapter(dir, "/models/qwen2-tied");

        Path peft = fixture("qwen2-tied/lora-all");
        Map<String, SafeTensors.TensorInfo> ours =
                SafeTensors.readHeader(dir.resolve(LoraConfig.WEIGHTS_FILE)).tensors();
        Map<String, SafeTensors.TensorInfo> theirs =
                SafeTensors.readHeader(peft.resolve(LoraConfig.WEIGHTS_FILE)).tensors();
        assertThat(ours.keySet()).containsExactlyElementsOf(theirs.keySet());
        theirs.forEach((name, info) -> {
            assertThat(ours.get(name).shape()).as(name).containsExactly(info.shape());
            assertThat(ours.get(name).dtype()).as(name).isEqualTo(info.dtype());
        });
        JsonNode config = JsonMapper.builder().build().readTree(dir.resolve(LoraConfig.CONFIG_FILE));
        JsonNode peftConfig = JsonMapper.builder().build().readTree(peft.resolve(LoraConfig.CONFIG_FILE));
        for (String field : List.of("peft_type", "r", "lora_alpha", "use_rslora", "bias", "use_dora")) {
            assertThat(config.get(field)).as(field).isEqualTo(peftConfig.get(field));
        }
        assertThat(names(config.get("target_modules"))).isEqualTo(names(peftConfig.get("target_modules")));
        assertThat(config.get("base_model_name_or_path").asString()).isEqualTo("/models/qwen2-tied");
        assertThat(LoraConfig.read(dir)).isEqualTo(ALL_R4);
    }

    @Test
    void savedAdapterLoadsBackToTheSameLogits(@TempDir Path dir) throws IOException {
        model.addAdapter(ALL_R4, 1);
        randomizeB(model, 3);
        model.saveAdapter(dir, fixture("qwen2-tied").toString());

        try (NDScope scope = new NDScope();
                LlamaModel reloaded = LlamaModel.load(dir, manager)) {
            NDArray tokens = tokens();
            assertThat(reloaded.adapterConfig()).contains(ALL_R4);
            assertThat(reloaded.forward(tokens).toFloatArray())
                    .containsExactly(model.forward(tokens).toFloatArray());
        }
    }

    /** Merged weights {@code W + s·B·A}, written in the base's layout, compute what base + adapter computes. */
    @Test
    void mergedExportComputesTheAdaptedLogits(@TempDir Path dir) throws IOException {
        model.loadAdapter(fixture("qwen2-tied/lora-all"));
        model.writeMergedWeights(dir);
        Files.copy(fixture("qwen2-tied").resolve(ModelConfig.FILE_NAME), dir.resolve(ModelConfig.FILE_NAME));

        try (NDScope scope = new NDScope();
                LlamaModel merged = LlamaModel.load(dir, manager)) {
            NDArray tokens = tokens();
            assertThat(merged.adapterConfig()).isEmpty();
            assertClose(merged.forward(tokens), model.forward(tokens), "merged logits");
        }
    }

    @Test
    void adapterTensorsThatDoNotFitAreNamed(@TempDir Path dir) throws IOException {
        model.addAdapter(ALL_R4.withTargets(EnumSet.of(LoraTarget.Q)), 1);
        model.saveAdapter(dir, fixture("qwen2-tied").toString());
        // Claim more targets than the file holds.
        ALL_R4.withTargets(EnumSet.of(LoraTarget.Q, LoraTarget.K))
                .write(dir, fixture("qwen2-tied").toString());

        try (LlamaModel other = LlamaModel.load(fixture("qwen2-tied"), manager)) {
            assertThatThrownBy(() -> other.loadAdapter(dir))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("self_attn.k_proj.lora_A.weight");
        }
    }

    @Test
    void unsupportedPeftOptionsAreRefusedNamingTheField() {
        JsonMapper json = JsonMapper.builder().build();
        var config = ALL_R4.toPeftJson("/base");
        config.put("use_dora", true);

        assertThatThrownBy(() -> LoraConfig.fromPeftJson(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use_dora");
        var pattern = ALL_R4.toPeftJson("/base");
        pattern.set("rank_pattern", json.createObjectNode().put("q_proj", 8));
        assertThatThrownBy(() -> LoraConfig.fromPeftJson(pattern))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank_pattern");
    }

    /**
     * Adapter dropout acts in training passes only, draws from the engine's seeded generator (so a step is
     * reproducible), and leaves the base path alone.
     */
    @Test
    void adapterDropoutActsInTrainingPassesOnlyAndFollowsTheEngineSeed() {
        model.addAdapter(new LoraConfig(4, 8, false, 0.5, EnumSet.allOf(LoraTarget.class)), 1);
        randomizeB(model, 5);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = tokens();
            float[] inference = model.forward(tokens).toFloatArray();
            manager.getEngine().setRandomSeed(7);
            float[] first = model.forward(tokens, ForwardOptions.trainingStep())
                    .logits()
                    .toFloatArray();
            manager.getEngine().setRandomSeed(7);
            float[] again = model.forward(tokens, ForwardOptions.trainingStep())
                    .logits()
                    .toFloatArray();
            float[] other = model.forward(tokens, ForwardOptions.trainingStep())
                    .logits()
                    .toFloatArray();

            assertThat(model.forward(tokens).toFloatArray()).containsExactly(inference);
            assertThat(first).isNotEqualTo(inference);
            assertThat(again).containsExactly(first);
            assertThat(other).isNotEqualTo(first);
            assertThat(model.forward(tokens, ForwardOptions.trainingStep().withoutAdapter())
                            .logits()
                            .toFloatArray())
                    .containsExactly(
                            model.forward(tokens, ForwardOptions.inference().withoutAdapter())
                                    .logits()
                                    .toFloatArray());
        }
    }

    /** Steering adds its vector to the residual stream at that index; later layers and the logits see the change. */
    @Test
    void steeringAddsItsVectorToTheResidualStreamAtItsLayer() {
        try (NDScope scope = new NDScope()) {
            NDArray tokens = tokens();
            NDArray vector = manager.randomNormal(new Shape(32));
            ForwardOutput plain =
                    model.forward(tokens, ForwardOptions.inference().capturing(0, 1, 2));

            ForwardOutput steered = model.forward(
                    tokens, ForwardOptions.inference().capturing(0, 1, 2).steering(1, vector));

            assertThat(steered.hiddenStates().get(0).toFloatArray())
                    .containsExactly(plain.hiddenStates().get(0).toFloatArray());
            assertClose(
                    steered.hiddenStates().get(1), plain.hiddenStates().get(1).add(vector), "steered layer");
            assertThat(steered.hiddenStates()
                            .get(2)
                            .sub(plain.hiddenStates().get(2))
                            .abs()
                            .max()
                            .getFloat())
                    .isGreaterThan(0.01f);
            assertThat(steered.logits().sub(plain.logits()).abs().max().getFloat())
                    .isGreaterThan(0.01f);
        }
    }

    @Test
    void steeringGradientsFlowToTheAdapterOnly() {
        assertGradientsReachTheAdapterOnly(
                () -> manager.randomNormal(new Shape(32)),
                vector -> ForwardOptions.trainingStep().steering(1, vector));
    }

    /**
     * Ablation replaces the residual stream at its index by {@code h − (h·u) u}: hand-computed there, the captured
     * state has no component along {@code u}, and later layers see the change.
     */
    @Test
    void ablationProjectsItsDirectionOutOfTheResidualStreamAtItsLayer() {
        try (NDScope scope = new NDScope()) {
            NDArray tokens = tokens();
            NDArray raw = manager.randomNormal(new Shape(32));
            NDArray unit = raw.div(raw.norm());
            ForwardOutput plain =
                    model.forward(tokens, ForwardOptions.inference().capturing(1, 2));

            ForwardOutput ablated = model.forward(
                    tokens, ForwardOptions.inference().capturing(1, 2).ablating(1, unit));

            float[] h = plain.hiddenStates().get(1).toFloatArray();
            float[] u = unit.toFloatArray();
            float[] expected = new float[h.length];
            for (int row = 0; row < h.length / 32; row++) {
                double dot = 0;
                for (int i = 0; i < 32; i++) {
                    dot += h[row * 32 + i] * u[i];
                }
                for (int i = 0; i < 32; i++) {
                    expected[row * 32 + i] = (float) (h[row * 32 + i] - dot * u[i]);
                }
            }
            float[] actual = ablated.hiddenStates().get(1).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
            assertThat(ablated.hiddenStates().get(1).matMul(unit).abs().max().getFloat())
                    .isLessThan(1e-4f);
            assertThat(ablated.hiddenStates()
                            .get(2)
                            .sub(plain.hiddenStates().get(2))
                            .abs()
                            .max()
                            .getFloat())
                    .isGreaterThan(0.01f);
        }
    }

    /** Under ablation the gradient still reaches the adapter, and nothing flows into the direction itself. */
    @Test
    void ablationGradientsFlowToTheAdapterOnly() {
        assertGradientsReachTheAdapterOnly(
                () -> {
                    NDArray raw = manager.randomNormal(new Shape(32));
                    return raw.div(raw.norm());
                },
                unit -> ForwardOptions.trainingStep().ablating(1, unit));
    }

    /**
     * Adds a rank-4 adapter on every target at layer 1 with a non-zero B, backpropagates {@code mean(logits²)} with
     * the hook built from {@code direction}, and asserts that every adapter weight got a gradient while the direction
     * got none.
     */
    private void assertGradientsReachTheAdapterOnly(
            Supplier<NDArray> direction, Function<NDArray, ForwardOptions> hook) {
        model.addAdapter(ALL_R4, 1);
        randomizeB(model, 4);
        try (NDScope scope = new NDScope()) {
            NDArray vector = direction.get();
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray logits = model.forward(tokens(), hook.apply(vector)).logits();
                collector.backward(logits.square().mean());
            }
            assertThat(vector.hasGradient()).isFalse();
            assertThat(model.trainableParameters().values())
                    .allMatch(p -> p.getGradient().abs().max().getFloat() > 0);
        }
    }

    @Test
    void ablationIndicesOutsideTheStackAreRefused() {
        try (NDScope scope = new NDScope()) {
            NDArray unit = manager.ones(new Shape(32)).div(Math.sqrt(32));
            assertThatThrownBy(() ->
                            model.forward(tokens(), ForwardOptions.inference().ablating(3, unit)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ablation index 3");
        }
    }

    @Test
    void captureAndSteeringIndicesOutsideTheStackAreRefused() {
        try (NDScope scope = new NDScope()) {
            assertThatThrownBy(() ->
                            model.forward(tokens(), ForwardOptions.inference().capturing(3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("capture index 3");
        }
    }

    private NDArray tokens() {
        return manager.create(
                new long[] {1, 5, 9, 2, 60, 33, 7, 7, 12, 41, 3, 3, 8, 50, 0, 63, 22, 17, 4, 9}, new Shape(2, 10));
    }

    /** Sets every B to N(0, 0.3²) so that the adapter changes the output. */
    static void randomizeB(LlamaModel model, long seed) {
        Random random = new Random(seed);
        model.adapterTensors().forEach((name, tensor) -> {
            if (name.contains("lora_B")) {
                float[] values = new float[Math.toIntExact(tensor.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.3);
                }
                tensor.set(values);
            }
        });
    }

    private static Set<String> names(JsonNode array) {
        Set<String> names = new TreeSet<>();
        array.values().forEach(n -> names.add(n.asString()));
        return names;
    }
}

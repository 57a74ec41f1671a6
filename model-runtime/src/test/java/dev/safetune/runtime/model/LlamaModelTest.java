package dev.safetune.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.ModelConfig.RopeScaling;
import dev.safetune.runtime.generators.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaModelTest {

    @TempDir
    static Path baseDir;

    private NDManager manager;

    @BeforeAll
    static void generate() throws IOException {
        TestModels.tiny(baseDir, 11);
    }

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void logitsAreBatchByLengthByVocabulary() throws IOException {
        try (LlamaModel model = LlamaModel.load(baseDir, manager);
                NDScope scope = new NDScope()) {
            NDArray logits = model.forward(tokens(new long[][] {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}}));

            assertThat(logits.getShape())
                    .isEqualTo(new Shape(2, 5, model.config().vocabSize()));
        }
    }

    @Test
    void changingALaterTokenLeavesEarlierLogitsUnchanged() throws IOException {
        try (LlamaModel model = LlamaModel.load(baseDir, manager);
                NDScope scope = new NDScope()) {
            NDArray original = model.forward(tokens(new long[][] {{5, 17, 42, 99, 7, 3}}));
            NDArray changed = model.forward(tokens(new long[][] {{5, 17, 42, 99, 300, 3}}));

            NDArray earlier = original.get(new NDIndex(":, :4")).sub(changed.get(new NDIndex(":, :4")));
            NDArray later = original.get(new NDIndex(":, 4:")).sub(changed.get(new NDIndex(":, 4:")));
            assertThat(earlier.abs().max().getFloat()).isLessThan(1e-6f);
            assertThat(later.abs().max().getFloat()).isGreaterThan(1e-4f);
        }
    }

    @Test
    void rightPaddingDoesNotChangeTheLogitsOfRealTokens() throws IOException {
        try (LlamaModel model = LlamaModel.load(baseDir, manager);
                NDScope scope = new NDScope()) {
            long pad = model.config().padTokenId();
            NDArray alone = model.forward(tokens(new long[][] {{9, 8, 7}}));
            NDArray padded = model.forward(tokens(new long[][] {{9, 8, 7, pad, pad}, {1, 2, 3, 4, 5}}));

            NDArray difference = padded.get(new NDIndex("0:1, :3")).sub(alone);
            assertThat(difference.abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void savedAndReloadedModelComputesTheSameLogits(@TempDir Path saved) throws IOException {
        try (LlamaModel model = LlamaModel.load(baseDir, manager);
                NDScope scope = new NDScope()) {
            model.save(saved);
            try (LlamaModel reloaded = LlamaModel.load(saved, manager)) {
                NDArray input = tokens(new long[][] {{3, 1, 4, 1, 5, 9, 2, 6}});

                assertThat(reloaded.forward(input).toFloatArray())
                        .containsExactly(model.forward(input).toFloatArray());
                assertThat(reloaded.parameters().keySet())
                        .containsExactlyElementsOf(model.parameters().keySet());
            }
        }
    }

    @Test
    void tiedEmbeddingsServeAsTheOutputLayer() {
        ModelConfig tied = smallConfig(true);
        Map<String, NDArray> weights = randomWeights(tied, 0.3, 5);

        try (LlamaModel model = LlamaModel.fromWeights(tied, weights, manager.newSubManager());
                NDScope scope = new NDScope()) {
            assertThat(model.parameters()).doesNotContainKey("lm_head.weight");
            assertThat(model.forward(tokens(new long[][] {{1, 2}})).getShape())
                    .isEqualTo(new Shape(1, 2, tied.vocabSize()));
        }
    }

    @Test
    void missingTensorIsNamed() {
        ModelConfig config = smallConfig(false);
        Map<String, NDArray> weights = randomWeights(config, 0.3, 5);
        weights.remove("model.layers.1.mlp.up_proj.weight");

        assertThatThrownBy(() -> LlamaModel.fromWeights(config, weights, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.layers.1.mlp.up_proj.weight");
    }

    @Test
    void missingWeightsFileIsReported(@TempDir Path empty) throws IOException {
        smallConfig(false).write(empty);

        assertThatThrownBy(() -> LlamaModel.load(empty, manager))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.safetensors");
        assertThat(Files.list(empty)).hasSize(1);
    }

    /**
     * Back-propagation through the whole decoder (embedding, RMSNorm, RoPE, grouped-query attention, SwiGLU,
     * untied head) and the masked loss agrees with central finite differences. In fp32 a difference quotient
     * with h = 1e-2 carries ≈ 1e-4 of rounding noise (loss ≈ 4 known to ≈ 1e-6, divided by 2h) and ≈ h² of
     * truncation error, so entries are compared where the gradient is large and within 1e-3 + 3 %.
     */
    @Test
    void gradientMatchesCentralFiniteDifferences() {
        ModelConfig config = smallConfig(false);
        Map<String, NDArray> weights = randomWeights(config, 0.3, 7);
        NextTokenLoss loss = new NextTokenLoss();
        try (LlamaModel model = LlamaModel.fromWeights(config, weights, manager.newSubManager())) {
            NDArray input = manager.create(new long[] {3, 17, 8, 25, 1, 30, 12, 5, 9, 2, 14, 6}, new Shape(2, 6));
            NDArray mask = manager.create(new float[] {0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1}, new Shape(2, 6));
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(loss.nextTokenLoss(model.forward(input), input, mask));
            }
            List<String> checked = List.of(
                    "model.embed_tokens.weight",
                    "model.layers.0.input_layernorm.weight",
                    "model.layers.0.self_attn.q_proj.weight",
                    "model.layers.0.self_attn.k_proj.weight",
                    "model.layers.0.self_attn.v_proj.weight",
                    "model.layers.0.self_attn.o_proj.weight",
                    "model.layers.1.post_attention_layernorm.weight",
                    "model.layers.1.mlp.gate_proj.weight",
                    "model.layers.1.mlp.up_proj.weight",
                    "model.layers.1.mlp.down_proj.weight",
                    "model.norm.weight",
                    "lm_head.weight");
            double h = 1e-2;
            for (String name : checked) {
                NDArray parameter = model.parameters().get(name);
                float[] gradient = parameter.getGradient().toFloatArray();
                int index = argMaxAbs(gradient);
                float original = parameter.toFloatArray()[index];

                setInPlace(parameter, index, (float) (original + h));
                double plus = evaluate(loss, model, input, mask);
                setInPlace(parameter, index, (float) (original - h));
                double minus = evaluate(loss, model, input, mask);
                setInPlace(parameter, index, original);

                double numeric = (plus - minus) / (2 * h);
                assertThat(Math.abs(gradient[index]))
                        .as("%s has a gradient large enough to check", name)
                        .isGreaterThan(1e-3f);
                assertThat(Math.abs(numeric - gradient[index]))
                        .as("%s[%d]: analytic %s, numeric %s", name, index, gradient[index], numeric)
                        .isLessThan(1e-3 + 0.03 * Math.abs(gradient[index]));
            }
        }
    }

    /**
     * The same finite-difference check for a LoRA adapter's A and B (B made non-zero so that A has a gradient),
     * with the base frozen.
     */
    @Test
    void adapterGradientMatchesCentralFiniteDifferences() {
        ModelConfig config = smallConfig(false);
        NextTokenLoss loss = new NextTokenLoss();
        try (LlamaModel model =
                LlamaModel.fromWeights(config, randomWeights(config, 0.3, 7), manager.newSubManager())) {
            model.addAdapter(new LoraConfig(2, 4, false, 0.0, java.util.EnumSet.allOf(LoraTarget.class)), 3);
            LoraAndHooksTest.randomizeB(model, 9);
            NDArray input = manager.create(new long[] {3, 17, 8, 25, 1, 30, 12, 5, 9, 2, 14, 6}, new Shape(2, 6));
            NDArray mask = manager.create(new float[] {0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1}, new Shape(2, 6));
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(loss.nextTokenLoss(model.forward(input), input, mask));
            }
            double h = 1e-2;
            for (LoraTarget target : LoraTarget.values()) {
                for (String matrix : List.of("A", "B")) {
                    String name = LlamaModel.adapterName(target.ordinal() % 2, target, matrix);
                    NDArray parameter = model.trainableParameters().get(name);
                    float[] gradient = parameter.getGradient().toFloatArray();
                    int index = argMaxAbs(gradient);
                    float[] values = parameter.toFloatArray();
                    float original = values[index];
                    values[index] = (float) (original + h);
                    parameter.set(values);
                    double plus = evaluate(loss, model, input, mask);
                    values[index] = (float) (original - h);
                    parameter.set(values);
                    double minus = evaluate(loss, model, input, mask);
                    values[index] = original;
                    parameter.set(values);

                    double numeric = (plus - minus) / (2 * h);
                    assertThat(Math.abs(gradient[index]))
                            .as("%s has a gradient", name)
                            .isGreaterThan(1e-3f);
                    assertThat(Math.abs(numeric - gradient[index]))
                            .as("%s[%d]: analytic %s, numeric %s", name, index, gradient[index], numeric)
                            .isLessThan(1e-3 + 0.03 * Math.abs(gradient[index]));
                }
            }
        }
    }

    /**
     * Logits equal a direct computation of the decoder in double-precision loops, written from the formulas rather
     * than from the tensor code: RoPE as explicit rotations of (x[i], x[i + d/2]) pairs by p·θ^(−2i/d), grouped-query
     * attention as query head h reading key/value head h / (heads / kv heads) over positions u ≤ t, with biases on
     * every projection.
     */
    @Test
    void logitsEqualADirectComputation() {
        ModelConfig config = new ModelConfig(
                ModelConfig.Architecture.LLAMA,
                16,
                24,
                2,
                4,
                2,
                4,
                1e-5,
                100.0,
                ModelConfig.RopeScaling.NONE,
                40,
                16,
                false,
                true,
                true,
                true,
                0,
                List.of(1),
                2,
                1e-3);
        Map<String, NDArray> weights = randomWeights(config, 0.3, 21);
        Map<String, float[]> w = new LinkedHashMap<>();
        weights.forEach((name, tensor) -> w.put(name, tensor.toFloatArray()));
        long[] tokens = {3, 17, 8, 25, 1, 30, 12};
        try (LlamaModel model = LlamaModel.fromWeights(config, weights, manager.newSubManager());
                NDScope scope = new NDScope()) {
            float[] logits = model.forward(manager.create(tokens, new Shape(1, tokens.length)))
                    .toFloatArray();

            double[][] expected = DirectDecoder.logits(config, w, tokens);

            double scale = 0;
            double error = 0;
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < config.vocabSize(); v++) {
                    scale = Math.max(scale, Math.abs(expected[t][v]));
                    error = Math.max(error, Math.abs(expected[t][v] - logits[t * config.vocabSize() + v]));
                }
            }
            assertThat(scale).isGreaterThan(1);
            assertThat(error).as("max |Δlogit| with logits up to %s", scale).isLessThan(1e-5 * scale);
        }
    }

    /**
     * The PyTorch engine creates tensors from Java data without copying ({@code from_blob} over a direct buffer
     * that only the Java wrapper keeps alive). An op like {@code x.mul(0.5f)} makes such a scalar tensor and closes
     * it at once, while autograd still holds it for the backward pass; after a garbage collection the backward
     * then reads freed memory. The decoder avoids those ops; this test frees and overwrites such memory between
     * forward and backward and expects the same gradients as without.
     */
    @Test
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward() throws InterruptedException {
        ModelConfig config = smallConfig(false);
        NextTokenLoss loss = new NextTokenLoss();
        try (LlamaModel model =
                LlamaModel.fromWeights(config, randomWeights(config, 0.3, 7), manager.newSubManager())) {
            NDArray input = manager.create(new long[] {3, 17, 8, 25, 1, 30, 12, 5}, new Shape(2, 4));
            NDArray mask = manager.ones(new Shape(2, 4));
            float[] reference = gradient(model, loss, input, mask, false);
            float[] afterCollection = gradient(model, loss, input, mask, true);

            assertThat(afterCollection).containsExactly(reference);
        }
    }

    @Test
    void aForwardPassLeavesOnlyTheResidualStreamAndTheLogitsOpen() throws IOException {
        try (LlamaModel model = LlamaModel.load(baseDir, manager);
                NDScope scope = new NDScope()) {
            NDArray input = tokens(new long[][] {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}});
            model.forward(input); // creates the model's RoPE and mask constants
            int before = manager.getManagedArrays().size();

            model.forward(input);

            // Per layer the stream after attention and after the MLP; besides them at most the slices of the RoPE
            // tables and the mask (5), the int64 ids, the embeddings and the logits. Every other intermediate was
            // closed with its sub-block.
            int layers = model.config().numHiddenLayers();
            assertThat(manager.getManagedArrays().size() - before).isBetween(2 * layers + 1, 2 * layers + 8);
        }
    }

    /** All parameter gradients, concatenated in checkpoint order; zeroes them afterwards. */
    private float[] gradient(LlamaModel model, NextTokenLoss loss, NDArray input, NDArray mask, boolean collect)
            throws InterruptedException {
        List<ByteBuffer> overwritten = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray value = loss.nextTokenLoss(model.forward(input), input, mask);
                if (collect) {
                    for (int i = 0; i < 5; i++) {
                        System.gc();
                        Thread.sleep(20);
                    }
                    // Reuse the freed native memory, so that reading it would show.
                    for (int i = 0; i < 20_000; i++) {
                        overwritten.add(ByteBuffer.allocateDirect(4)
                                .order(ByteOrder.nativeOrder())
                                .putFloat(0, Float.NaN));
                    }
                }
                collector.backward(value);
            }
            List<Float> all = new ArrayList<>();
            for (NDArray parameter : model.parameters().values()) {
                NDArray gradient = parameter.getGradient();
                for (float g : gradient.toFloatArray()) {
                    all.add(g);
                }
                gradient.subi(gradient);
            }
            float[] result = new float[all.size()];
            for (int i = 0; i < result.length; i++) {
                result[i] = all.get(i);
            }
            assertThat(overwritten).hasSizeLessThanOrEqualTo(20_000);
            return result;
        }
    }

    /**
     * Writes one element where the parameter's storage is: q/k/v and gate/up weights are views of fused tensors, and
     * {@code NDArray.set(Buffer)} would give the view storage of its own instead.
     */
    private static void setInPlace(NDArray parameter, int flatIndex, float value) {
        Shape shape = parameter.getShape();
        NDIndex at = shape.dimension() == 1
                ? new NDIndex(flatIndex)
                : new NDIndex(flatIndex / shape.get(1), flatIndex % shape.get(1));
        parameter.set(at, value);
    }

    private static double evaluate(NextTokenLoss loss, LlamaModel model, NDArray input, NDArray mask) {
        try (NDScope scope = new NDScope()) {
            return loss.nextTokenLoss(model.forward(input), input, mask).getFloat();
        }
    }

    private static int argMaxAbs(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (Math.abs(values[i]) > Math.abs(values[best])) {
                best = i;
            }
        }
        return best;
    }

    private NDArray tokens(long[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return manager.create(flat, new Shape(rows.length, rows[0].length));
    }

    private static ModelConfig smallConfig(boolean tied) {
        return new ModelConfig(16, 24, 2, 4, 2, 4, 1e-5, 10000.0, 40, 16, tied, 0, List.of(1), 2, 1e-3);
    }

    private Map<String, NDArray> randomWeights(ModelConfig config, double std, long seed) {
        Random random = new Random(seed);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        LlamaModel.tensorShapes(config).forEach((name, shape) -> {
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                double noise = random.nextGaussian() * std;
                values[i] = (float) (shape.dimension() == 1 ? 1 + noise : noise);
            }
            weights.put(name, manager.create(values, shape));
        });
        return weights;
    }

    /** A decoding step's per-row rotation matrices rotate as the cos/sin tables do, scale included. */
    @Test
    void rotationMatricesRotateAsTheTablesDo() {
        RotaryEmbedding rotary = new RotaryEmbedding(8, 10_000, RopeScaling.NONE);
        long[] positions = {0, 5, 1_000};
        float scale = 0.35f;
        NDArray x = manager.randomNormal(new Shape(3, 4, 1, 8)); // [B, heads, 1, d]

        NDArray byMatrices = rotary.apply(x, new NDList(rotary.rotationMatrices(manager, positions, scale)), null);
        NDList tables = rotary.tables(manager, positions, scale, new Shape(3, 1, 1, 8));
        NDArray byTables = rotary.apply(x, tables, rotary.rotateHalfMatrix(manager));

        assertThat(byMatrices.getShape()).isEqualTo(new Shape(3, 4, 1, 8));
        float[] expected = byTables.toFloatArray();
        float[] actual = byMatrices.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-6f));
        }
        // Position 0 is the identity (times the scale).
        assertThat(byMatrices.get("0").toFloatArray())
                .containsExactly(x.get("0").mul(scale).toFloatArray());
    }
}

package dev.safetune.runtime.model;

import static dev.safetune.runtime.model.HfReference.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A batch's common token prefix computed once ({@link ForwardOptions#sharePrefix()}) gives the plain pass's loss,
 * gradients, logits and hidden states, on the reference checkpoints: {@code qwen2-tied} (Qwen2, q/k/v biases, tied
 * embeddings, multi-head) and {@code gqa-untied} (Llama, grouped-query attention, separate output layer).
 */
class SharedPrefixTest {

    private static final LoraConfig ALL_R4 = new LoraConfig(4, 8, false, 0.0, EnumSet.allOf(LoraTarget.class));
    private static final int PAD = 0;
    /** Relative tolerance: fp32 rounding of differently shaped matmuls. */
    private static final double RELATIVE = 1e-5;

    private NDManager manager;
    private LlamaModel model;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        if (model != null) {
            model.close();
        }
        manager.close();
    }

    private void load(String name) throws IOException {
        model = LlamaModel.load(fixture(name), manager);
    }

    /**
     * Three rows of different lengths, right-padded, sharing their first ten tokens; the loss reads every real
     * position, the prefix's included, so the prefix's logits and states carry gradient of their own.
     */
    private static final long[][] PREFIXED = {
        {1, 5, 9, 2, 60, 33, 7, 7, 12, 41, 3, 3, 8, 50, 4, 63, 22, 17, 4, 9},
        {1, 5, 9, 2, 60, 33, 7, 7, 12, 41, 18, 44, 2, 6, 31, 11},
        {1, 5, 9, 2, 60, 33, 7, 7, 12, 41, 3, 8, 27},
    };

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied", "gqa-untied"})
    void loraLossAndEveryGradientEqualThePlainPass(String fixture) throws IOException {
        load(fixture);
        model.addAdapter(ALL_R4, 1);
        LoraAndHooksTest.randomizeB(model, 2);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = padded(PREFIXED);
            assertThat(model.sharedPrefixLength(tokens, ForwardOptions.trainingStep()))
                    .isEqualTo(10);

            assertSameLossAndGradients(tokens, UnaryOperator.identity());
        }
    }

    /** Without an adapter every base weight, the embeddings included, gets the plain pass's gradient. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied", "gqa-untied"})
    void fullFineTuningGradientsEqualThePlainPass(String fixture) throws IOException {
        load(fixture);
        try (NDScope scope = new NDScope()) {
            assertSameLossAndGradients(padded(PREFIXED), UnaryOperator.identity());
        }
    }

    /**
     * Persona steering adds its vector on every position, the prefix's too, and ablation projects on every position:
     * both act in the shared pass as in the plain one, and the gradient is unchanged.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied", "gqa-untied"})
    void steeringAndAblationActOnThePrefixAsOnEveryPosition(String fixture) throws IOException {
        load(fixture);
        model.addAdapter(ALL_R4, 1);
        LoraAndHooksTest.randomizeB(model, 3);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = padded(PREFIXED);
            NDArray vector = manager.randomNormal(new Shape(32));
            NDArray raw = manager.randomNormal(new Shape(32));
            NDArray unit = raw.div(raw.norm());
            UnaryOperator<ForwardOptions> hooks =
                    options -> options.capturing(0, 1, 2).steering(1, vector).ablating(2, unit);

            assertSameLossAndGradients(tokens, hooks);

            ForwardOptions options = hooks.apply(ForwardOptions.inference());
            ForwardOutput plain = model.forward(tokens, options);
            ForwardOutput shared = model.forward(tokens, options.sharingPrefix(true));
            assertClose(shared.logits(), plain.logits(), "logits");
            assertThat(shared.hiddenStates()).containsOnlyKeys(0, 1, 2);
            for (int index : List.of(0, 1, 2)) {
                assertClose(
                        shared.hiddenStates().get(index), plain.hiddenStates().get(index), "hidden " + index);
            }
            // The steering really acted on the prefix: there its states are the unsteered ones plus the vector.
            ForwardOutput unsteered = model.forward(
                    tokens, ForwardOptions.inference().capturing(1).sharingPrefix(true));
            assertClose(
                    shared.hiddenStates().get(1).get(":, :10, :"),
                    unsteered.hiddenStates().get(1).get(":, :10, :").add(vector),
                    "steered prefix");
        }
    }

    /** The frozen reference pass (adapter off, no gradient, states and no logits) is unchanged by sharing. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied", "gqa-untied"})
    void aPassWithoutAdapterOrLogitsSeesTheSameStates(String fixture) throws IOException {
        load(fixture);
        model.addAdapter(ALL_R4, 1);
        LoraAndHooksTest.randomizeB(model, 4);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = padded(PREFIXED);
            ForwardOptions reference =
                    ForwardOptions.inference().withoutAdapter().withoutLogits().capturing(1, 2);

            ForwardOutput plain = model.forward(tokens, reference);
            ForwardOutput shared = model.forward(tokens, reference.sharingPrefix(true));

            assertThat(shared.logits()).isNull();
            for (int index : List.of(1, 2)) {
                assertClose(
                        shared.hiddenStates().get(index), plain.hiddenStates().get(index), "hidden " + index);
            }
        }
    }

    /**
     * Identical rows share all but their last position: the suffix pass is one position per row, which reads every
     * key without a mask.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied", "gqa-untied"})
    void identicalRowsLeaveOnePositionToTheSuffix(String fixture) throws IOException {
        load(fixture);
        model.addAdapter(ALL_R4, 1);
        LoraAndHooksTest.randomizeB(model, 5);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = padded(new long[][] {PREFIXED[1], PREFIXED[1]});
            assertThat(model.sharedPrefixLength(tokens, ForwardOptions.trainingStep()))
                    .isEqualTo(15);

            assertSameLossAndGradients(tokens, UnaryOperator.identity());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gqa-untied"})
    void batchesWithoutALongEnoughCommonPrefixTakeThePlainPath(String fixture) throws IOException {
        load(fixture);
        try (NDScope scope = new NDScope()) {
            ForwardOptions step = ForwardOptions.trainingStep();
            // Different first tokens.
            assertThat(model.sharedPrefixLength(
                            padded(new long[][] {{2, 5, 9, 2, 60, 33, 7, 7, 12, 41}, PREFIXED[0]}), step))
                    .isZero();
            // Seven common tokens, one short of the default minimum.
            assertThat(model.sharedPrefixLength(
                            padded(new long[][] {{1, 5, 9, 2, 60, 33, 7, 8, 12, 41}, PREFIXED[0]}), step))
                    .isZero();
            // One row: nothing to share with.
            assertThat(model.sharedPrefixLength(padded(new long[][] {PREFIXED[0]}), step))
                    .isZero();
            // Not asked for (inference), or turned off for the model.
            NDArray prefixed = padded(PREFIXED);
            assertThat(model.sharedPrefixLength(prefixed, ForwardOptions.inference()))
                    .isZero();
            model.setSharedPrefixMinimum(4);
            assertThat(model.sharedPrefixLength(
                            padded(new long[][] {{1, 5, 9, 2, 60, 33, 7, 8, 12, 41}, PREFIXED[0]}), step))
                    .isEqualTo(7);
            model.setSharedPrefixMinimum(0);
            assertThat(model.sharedPrefixLength(prefixed, step)).isZero();
        }
    }

    /** Adapter dropout draws a mask per row and position: a training pass with it does not share. */
    @ParameterizedTest
    @ValueSource(strings = {"gqa-untied"})
    void adapterDropoutInTrainingFallsBackToThePlainPath(String fixture) throws IOException {
        load(fixture);
        model.addAdapter(new LoraConfig(4, 8, false, 0.1, EnumSet.allOf(LoraTarget.class)), 1);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = padded(PREFIXED);
            assertThat(model.sharedPrefixLength(tokens, ForwardOptions.trainingStep()))
                    .isZero();
            // Without dropout active (the reference pass, evaluation) it still shares.
            assertThat(model.sharedPrefixLength(
                            tokens, ForwardOptions.inference().sharingPrefix(true)))
                    .isEqualTo(10);
            assertThat(model.sharedPrefixLength(
                            tokens, ForwardOptions.trainingStep().withoutAdapter()))
                    .isEqualTo(10);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void commonPrefixLengthStopsAtTheFirstDifferenceAndLeavesOnePosition(int rows) {
        long[] ids = new long[rows * 5];
        for (int r = 0; r < rows; r++) {
            ids[r * 5] = 4;
            ids[r * 5 + 1] = 8;
            ids[r * 5 + 2] = 15 + (r == rows - 1 && rows > 1 ? 1 : 0);
        }
        assertThat(LlamaModel.commonPrefixLength(ids, rows, 5)).isEqualTo(rows == 1 ? 4 : 2);
        assertThat(LlamaModel.commonPrefixLength(new long[] {1, 2, 1, 2}, 2, 2)).isEqualTo(1);
    }

    /**
     * Runs the training step's loss (masked next-token cross-entropy over every real token) with the plain and the
     * shared pass and asserts equal loss and gradients of every trainable parameter. The shared pass runs with the
     * Java garbage collector forced and freed native memory reused between forward and backward, so that an array
     * the backward pass reads but the forward pass freed would show (see LlamaModelTest).
     */
    private void assertSameLossAndGradients(NDArray tokens, UnaryOperator<ForwardOptions> hooks) {
        NDArray mask = tokens.neq(PAD).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        ForwardOptions step = hooks.apply(ForwardOptions.trainingStep());
        assertThat(model.sharedPrefixLength(tokens, step)).isPositive();
        Result plain = lossAndGradients(tokens, mask, step.sharingPrefix(false), false);
        Result shared = lossAndGradients(tokens, mask, step, true);

        assertThat(shared.loss()).isCloseTo(plain.loss(), org.assertj.core.data.Offset.offset(RELATIVE * plain.loss()));
        assertThat(shared.gradients().keySet())
                .containsExactlyElementsOf(plain.gradients().keySet());
        plain.gradients().forEach((name, expected) -> {
            float[] actual = shared.gradients().get(name);
            double scale = 0;
            double error = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                error = Math.max(error, Math.abs(actual[i] - expected[i]));
            }
            assertThat(scale).as("%s has a gradient", name).isGreaterThan(0);
            assertThat(error)
                    .as("%s: max |Δ| with gradients up to %s", name, scale)
                    .isLessThan(RELATIVE * scale);
        });
    }

    private record Result(double loss, SequencedMap<String, float[]> gradients) {}

    private Result lossAndGradients(NDArray tokens, NDArray mask, ForwardOptions options, boolean collect) {
        NextTokenLoss loss = new NextTokenLoss();
        List<ByteBuffer> overwritten = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            float value;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray total =
                        loss.nextTokenLoss(model.forward(tokens, options).logits(), tokens, mask);
                if (collect) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                    }
                    for (int i = 0; i < 10_000; i++) {
                        overwritten.add(ByteBuffer.allocateDirect(8)
                                .order(ByteOrder.nativeOrder())
                                .putDouble(0, Double.NaN));
                    }
                }
                collector.backward(total);
                value = total.getFloat();
            }
            SequencedMap<String, float[]> gradients = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> entry : model.trainableParameters().entrySet()) {
                NDArray gradient = entry.getValue().getGradient();
                gradients.put(entry.getKey(), gradient.toFloatArray());
                gradient.subi(gradient);
            }
            assertThat(overwritten).hasSizeLessThanOrEqualTo(10_000);
            return new Result(value, gradients);
        }
    }

    /** {@code rows} right-padded with {@link #PAD} to the longest, {@code [rows, length]} INT64. */
    private NDArray padded(long[][] rows) {
        int length = 0;
        for (long[] row : rows) {
            length = Math.max(length, row.length);
        }
        long[] ids = new long[rows.length * length];
        java.util.Arrays.fill(ids, PAD);
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, ids, r * length, rows[r].length);
        }
        return manager.create(ids, new Shape(rows.length, length));
    }

    /** Max |Δ| within {@link #RELATIVE} of the reference's largest magnitude. */
    private static void assertClose(NDArray actual, NDArray expected, String what) {
        assertThat(actual.getShape()).as(what).isEqualTo(expected.getShape());
        float scale = expected.abs().max().getFloat();
        float error = actual.sub(expected).abs().max().getFloat();
        assertThat(scale).as(what).isGreaterThan(0f);
        assertThat((double) error)
                .as("%s: max |Δ| with values up to %s", what, scale)
                .isLessThan(RELATIVE * scale);
    }
}

package dev.safetune.safeguards.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MaskedCrossEntropyTest {

    // One sequence of three positions over a vocabulary of three.
    private static final float[][] LOGITS = {{1f, 2f, 3f}, {0f, 0f, 0f}, {2f, -1f, 0.5f}};
    private static final long[] TARGETS = {2, 0, 1};
    private static final float[] MASK = {1f, 0f, 1f};

    private final MaskedCrossEntropy loss = new MaskedCrossEntropy();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void averagesNegativeLogLikelihoodOverMaskedPositionsOnly() {
        // Position 0: −log softmax([1,2,3])[2] = log(e¹+e²+e³) − 3; position 2: log(e²+e⁻¹+e^0.5) + 1.
        double nll0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        double nll2 = Math.log(Math.exp(2) + Math.exp(-1) + Math.exp(0.5)) + 1;
        double expected = (nll0 + nll2) / 2;

        float actual = loss.evaluate(logits(), targets(), mask()).getFloat();

        assertThat((double) actual).isCloseTo(expected, within(1e-6));
    }

    @Test
    void ignoresLogitsAtMaskedPositions() {
        NDArray changed = logits();
        changed.set(new ai.djl.ndarray.index.NDIndex("0, 1"), manager.create(new float[] {9f, -4f, 7f}));

        float original = loss.evaluate(logits(), targets(), mask()).getFloat();
        float withChangedMaskedRow = loss.evaluate(changed, targets(), mask()).getFloat();

        assertThat(withChangedMaskedRow).isEqualTo(original);
    }

    @Test
    void gradientIsSoftmaxMinusOneHotOverMaskCount() {
        NDArray logits = logits();
        logits.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(loss.evaluate(logits, targets(), mask()));
        }
        float[] grad = logits.getGradient().toFloatArray();

        for (int t = 0; t < 3; t++) {
            double sumExp = 0;
            for (float z : LOGITS[t]) {
                sumExp += Math.exp(z);
            }
            for (int v = 0; v < 3; v++) {
                double p = Math.exp(LOGITS[t][v]) / sumExp;
                double expected = MASK[t] * (p - (v == TARGETS[t] ? 1 : 0)) / 2;
                assertThat((double) grad[t * 3 + v]).as("d/dz[%d][%d]", t, v).isCloseTo(expected, within(1e-6));
            }
        }
    }

    @Test
    void nextTokenLossShiftsTargetsAndMaskByOne() {
        // Input tokens x = [7, 2, 0, 1]: logits at t predict x[t+1]; the mask of the predicted token decides.
        NDArray tokens = manager.create(new long[] {7, 2, 0, 1}, new Shape(1, 4));
        NDArray lossMask = manager.create(new float[] {0f, 1f, 0f, 1f}, new Shape(1, 4));
        NDArray logitsForFour =
                manager.create(new float[] {1f, 2f, 3f, 0f, 0f, 0f, 2f, -1f, 0.5f, 5f, 5f, 5f}, new Shape(1, 4, 3));

        float shifted = loss.nextTokenLoss(logitsForFour, tokens, lossMask).getFloat();
        float direct = loss.evaluate(logits(), targets(), mask()).getFloat();

        assertThat(shifted).isEqualTo(direct);
    }

    @Test
    void nextTokenSumsSeparateNumeratorAndTokenCount() {
        NDArray tokens = manager.create(new long[] {7, 2, 0, 1}, new Shape(1, 4));
        NDArray lossMask = manager.create(new float[] {0f, 1f, 0f, 1f}, new Shape(1, 4));
        NDArray logitsForFour =
                manager.create(new float[] {1f, 2f, 3f, 0f, 0f, 0f, 2f, -1f, 0.5f, 5f, 5f, 5f}, new Shape(1, 4, 3));

        var sums = loss.nextTokenSums(logitsForFour, tokens, lossMask);

        float mean = loss.nextTokenLoss(logitsForFour, tokens, lossMask).getFloat();
        assertThat(sums.get(1).getFloat()).isEqualTo(2f);
        assertThat((double) sums.get(0).getFloat()).isCloseTo(2.0 * mean, within(1e-6));
    }

    @Test
    void allZeroMaskGivesZeroInsteadOfNaN() {
        NDArray none = manager.zeros(new Shape(1, 3));

        assertThat(loss.evaluate(logits(), targets(), none).getFloat()).isZero();
    }

    private NDArray logits() {
        float[] flat = new float[9];
        for (int t = 0; t < 3; t++) {
            System.arraycopy(LOGITS[t], 0, flat, t * 3, 3);
        }
        return manager.create(flat, new Shape(1, 3, 3));
    }

    private NDArray targets() {
        return manager.create(TARGETS, new Shape(1, 3));
    }

    private NDArray mask() {
        return manager.create(MASK, new Shape(1, 3));
    }
}

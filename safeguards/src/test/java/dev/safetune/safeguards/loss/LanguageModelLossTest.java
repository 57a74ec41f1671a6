package dev.safetune.safeguards.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LanguageModelLossTest {

    // Two documents over a vocabulary of three: [2, 0, 1] and [1, 2] padded with 0 to length 3.
    private static final float[][][] LOGITS = {
        {{1f, 2f, 3f}, {0f, 0.5f, -1f}, {2f, -1f, 0.5f}},
        {{-2f, 1f, 0f}, {4f, 4f, 4f}, {9f, 9f, -9f}}
    };
    private static final long[] TOKENS = {2, 0, 1, 1, 2, 0};
    private static final float[] DOCUMENT_MASK = {1, 1, 1, 1, 1, 0};

    private final LanguageModelLoss loss = new LanguageModelLoss();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** −log softmax(z)[y], by hand. */
    private static double nll(float[] z, int y) {
        double sum = 0;
        for (float v : z) {
            sum += Math.exp(v);
        }
        return Math.log(sum) - z[y];
    }

    @Test
    void averagesNextTokenLossOverEveryTokenOfEachDocumentButNotPadding() {
        // Document 0 predicts 0 from position 0 and 1 from position 1; document 1 predicts 2 from position 0.
        // Position 2 of document 0 and positions 1, 2 of document 1 predict nothing (end or padding).
        double expected = (nll(LOGITS[0][0], 0) + nll(LOGITS[0][1], 1) + nll(LOGITS[1][0], 2)) / 3;

        NDArray logits = manager.create(flatten(LOGITS), new Shape(2, 3, 3));
        NDArray tokens = manager.create(TOKENS, new Shape(2, 3));
        NDArray mask = manager.create(DOCUMENT_MASK, new Shape(2, 3));
        float actual = loss.loss(logits, tokens, mask).getFloat();

        assertThat((double) actual).isCloseTo(expected, within(1e-6));
    }

    @Test
    void documentMaskLearnsEveryToken() {
        assertThat(LanguageModelLoss.documentMask(4)).containsExactly(1, 1, 1, 1);
    }

    private static float[] flatten(float[][][] a) {
        float[] out = new float[a.length * a[0].length * a[0][0].length];
        int i = 0;
        for (float[][] b : a) {
            for (float[] t : b) {
                for (float v : t) {
                    out[i++] = v;
                }
            }
        }
        return out;
    }
}

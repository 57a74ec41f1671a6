package dev.safetune.safeguards.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.runtime.model.ForwardOutput;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KlToReferenceTest {

    // One row of three positions over a vocabulary of three; the loss mask [0, 1, 1] makes positions 0 and 1
    // predict assistant tokens, position 2 predicts nothing (its logits must not count).
    private static final float[] TRAINED = {0, 1, 2, 1, 0, 0, 5, -5, 0};
    private static final float[] REFERENCE = {0, 0, 0, 2, 0, 1, -5, 5, 0};
    private static final float[] LOSS_MASK = {0, 1, 1};

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
    void forwardTermIsBetaTimesTheMeanKlOverAssistantPredictions() {
        double expected = 0.1 * (kl(row(TRAINED, 0), row(REFERENCE, 0)) + kl(row(TRAINED, 1), row(REFERENCE, 1))) / 2;

        double term = term(new KlToReference.Settings(0.1, KlToReference.Direction.FORWARD), logits(TRAINED));

        assertThat(term).isCloseTo(expected, offset(1e-6));
        assertThat(expected).isGreaterThan(0.01);
    }

    @Test
    void reverseTermSwapsTheDistributions() {
        double expected = 2 * (kl(row(REFERENCE, 0), row(TRAINED, 0)) + kl(row(REFERENCE, 1), row(TRAINED, 1))) / 2;

        double term = term(new KlToReference.Settings(2, KlToReference.Direction.REVERSE), logits(TRAINED));

        assertThat(term).isCloseTo(expected, offset(1e-5));
        assertThat(expected)
                .isNotCloseTo(
                        2 * (kl(row(TRAINED, 0), row(REFERENCE, 0)) + kl(row(TRAINED, 1), row(REFERENCE, 1))) / 2,
                        offset(1e-3));
    }

    /** ∂KL(p‖q)/∂z_i = p_i (log p_i − log q_i − KL), times β / (number of counted positions). */
    @Test
    void forwardGradientMatchesTheHandDerivativeAndMovesTowardTheReference() {
        double beta = 0.5;
        NDArray z = logits(TRAINED);
        z.setRequiresGradient(true);
        NDArray loss;
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            loss = new KlToReference(new KlToReference.Settings(beta, KlToReference.Direction.FORWARD))
                    .term(passes(z))
                    .orElseThrow();
            collector.backward(loss);
        }
        float[] gradient = z.getGradient().toFloatArray();
        for (int t = 0; t < 3; t++) {
            double[] p = softmax(row(TRAINED, t));
            double[] q = softmax(row(REFERENCE, t));
            double kl = kl(row(TRAINED, t), row(REFERENCE, t));
            for (int v = 0; v < 3; v++) {
                double expected = t == 2 ? 0 : beta / 2 * p[v] * (Math.log(p[v]) - Math.log(q[v]) - kl);
                assertThat((double) gradient[t * 3 + v]).isCloseTo(expected, offset(1e-6));
            }
        }
        float[] stepped = TRAINED.clone();
        for (int i = 0; i < stepped.length; i++) {
            stepped[i] -= gradient[i];
        }
        for (int t = 0; t < 2; t++) {
            assertThat(kl(row(stepped, t), row(REFERENCE, t))).isLessThan(kl(row(TRAINED, t), row(REFERENCE, t)));
            assertThat(distance(softmax(row(stepped, t)), softmax(row(REFERENCE, t))))
                    .isLessThan(distance(softmax(row(TRAINED, t)), softmax(row(REFERENCE, t))));
        }
    }

    /** ∂KL(q‖p)/∂z_i = p_i − q_i: the gradient step moves p toward q. */
    @Test
    void reverseGradientIsPMinusQ() {
        NDArray z = logits(TRAINED);
        z.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            collector.backward(new KlToReference(new KlToReference.Settings(1, KlToReference.Direction.REVERSE))
                    .term(passes(z))
                    .orElseThrow());
        }
        float[] gradient = z.getGradient().toFloatArray();
        for (int t = 0; t < 2; t++) {
            double[] p = softmax(row(TRAINED, t));
            double[] q = softmax(row(REFERENCE, t));
            for (int v = 0; v < 3; v++) {
                assertThat((double) gradient[t * 3 + v]).isCloseTo((p[v] - q[v]) / 2, offset(1e-6));
            }
        }
    }

    @Test
    void identicalModelsHaveZeroTerm() {
        double term = term(new KlToReference.Settings(10, KlToReference.Direction.FORWARD), logits(REFERENCE));

        assertThat(term).isCloseTo(0, offset(1e-6));
    }

    @Test
    void asksTheReferencePassForLogitsOnly() {
        ReferenceNeeds needs =
                new KlToReference(new KlToReference.Settings(1, KlToReference.Direction.FORWARD)).reference();

        assertThat(needs.logits()).isTrue();
        assertThat(needs.layers()).isEmpty();
    }

    @Test
    void negativeBetaIsRefused() {
        assertThatThrownBy(() -> new KlToReference.Settings(-0.1, KlToReference.Direction.FORWARD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beta");
    }

    private double term(KlToReference.Settings settings, NDArray trained) {
        return new KlToReference(settings).term(passes(trained)).orElseThrow().getFloat();
    }

    private StepPasses passes(NDArray trained) {
        NDArray mask = manager.create(LOSS_MASK, new Shape(1, 3));
        return new StepPasses(
                manager.zeros(new Shape(1, 3)),
                mask,
                manager.ones(new Shape(1, 3)),
                new ForwardOutput(trained, new TreeMap<>()),
                // The reference pass computes logits only at the two assistant predictions (positions 0 and 1).
                new ReferencePass(
                        manager.create(java.util.Arrays.copyOf(REFERENCE, 6), new Shape(2, 3)), new TreeMap<>()));
    }

    private NDArray logits(float[] values) {
        return manager.create(values, new Shape(1, 3, 3));
    }

    static float[] row(float[] logits, int t) {
        return new float[] {logits[t * 3], logits[t * 3 + 1], logits[t * 3 + 2]};
    }

    static double[] softmax(float[] z) {
        double max = Math.max(z[0], Math.max(z[1], z[2]));
        double[] e = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
        }
        for (int i = 0; i < z.length; i++) {
            e[i] /= sum;
        }
        return e;
    }

    /** KL(softmax(a) ‖ softmax(b)). */
    static double kl(float[] a, float[] b) {
        double[] p = softmax(a);
        double[] q = softmax(b);
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum += p[i] * (Math.log(p[i]) - Math.log(q[i]));
        }
        return sum;
    }

    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum;
    }
}

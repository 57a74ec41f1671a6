package dev.safetune.safeguards.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.runtime.model.ForwardOutput;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeatureSpaceL2Test {

    // One row of three tokens, hidden size 2; the third token is padding (token mask 0).
    private static final float[] TRAINED_1 = {3, 4, 1, 0, 9, 9};
    private static final float[] REFERENCE_1 = {4, 3, 0, 2, 0, 0};
    private static final float[] TOKEN_MASK = {1, 1, 0};

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /**
     * Token 0: (0.6, 0.8) vs (0.8, 0.6), squared distance 0.08; token 1: (1, 0) vs (0, 1), 2; the pad token is left
     * out: mean 1.04. Layer 2 equal in both passes (0). λ = 0.5 over two layers: 0.5 · (1.04 + 0) / 2 = 0.26.
     */
    @Test
    void termIsLambdaTimesTheMeanSquaredDistanceOfNormalisedStatesOverLayersAndRealTokens() {
        NDArray same = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(1, 3, 2));
        StepPasses passes = passes(state(TRAINED_1), same);

        double term = new FeatureSpaceL2(new FeatureSpaceL2.Settings(0.5, List.of(1, 2)))
                .term(passes)
                .orElseThrow()
                .getFloat();

        assertThat(term).isCloseTo(0.26, offset(1e-5));
    }

    @Test
    void normalisationMakesTheTermBlindToEachTokensScale() {
        float[] scaled = TRAINED_1.clone();
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] *= 7;
        }
        FeatureSpaceL2 l2 = new FeatureSpaceL2(new FeatureSpaceL2.Settings(1, List.of(1)));
        NDArray same = manager.zeros(new Shape(1, 3, 2));

        double plain = l2.term(passes(state(TRAINED_1), same)).orElseThrow().getFloat();
        double larger = l2.term(passes(state(scaled), same)).orElseThrow().getFloat();

        assertThat(larger).isCloseTo(plain, offset(1e-5));
    }

    @Test
    void gradientStepMovesTheTrainedStatesTowardTheReference() {
        NDArray trained = state(TRAINED_1);
        trained.setRequiresGradient(true);
        FeatureSpaceL2 l2 = new FeatureSpaceL2(new FeatureSpaceL2.Settings(1, List.of(1)));
        NDArray same = manager.zeros(new Shape(1, 3, 2));
        double before;
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray term = l2.term(passes(trained, same)).orElseThrow();
            before = term.getFloat();
            collector.backward(term);
        }
        float[] gradient = trained.getGradient().toFloatArray();
        assertThat(gradient[4]).isZero();
        assertThat(gradient[5]).isZero();
        float[] stepped = TRAINED_1.clone();
        for (int i = 0; i < stepped.length; i++) {
            stepped[i] -= 0.5f * gradient[i];
        }

        double after = l2.term(passes(state(stepped), same)).orElseThrow().getFloat();

        assertThat(after).isLessThan(before);
    }

    @Test
    void asksTheReferencePassForItsLayersOnly() {
        ReferenceNeeds needs = new FeatureSpaceL2(new FeatureSpaceL2.Settings(1, List.of(3, 1))).reference();

        assertThat(needs.logits()).isFalse();
        assertThat(needs.layers()).containsExactly(1, 3);
    }

    @Test
    void anEmptyLayerSetIsRefused() {
        assertThatThrownBy(() -> new FeatureSpaceL2.Settings(1, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers");
    }

    private NDArray state(float[] values) {
        return manager.create(values, new Shape(1, 3, 2));
    }

    private StepPasses passes(NDArray trained1, NDArray layer2) {
        SortedMap<Integer, NDArray> trained = new TreeMap<>();
        trained.put(1, trained1);
        trained.put(2, layer2);
        SortedMap<Integer, NDArray> reference = new TreeMap<>();
        reference.put(1, state(REFERENCE_1));
        reference.put(2, layer2);
        return new StepPasses(
                manager.zeros(new Shape(1, 3)),
                manager.ones(new Shape(1, 3)),
                manager.create(TOKEN_MASK, new Shape(1, 3)),
                new ForwardOutput(null, trained),
                new ReferencePass(null, reference));
    }
}

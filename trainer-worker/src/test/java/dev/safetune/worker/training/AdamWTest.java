package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.runtime.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every case runs in both of AdamW's layouts: parameter by parameter (flat limit 0) and as one flat update (no
 * limit); they compute the same numbers.
 */
class AdamWTest {

    private static final AdamW.Options NO_CLIP = new AdamW.Options(0.9, 0.999, 1e-8, 0.1, 0);

    private NDManager manager;
    private NDArray matrix;
    private NDArray gain;
    private SequencedMap<String, NDArray> parameters;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        matrix = manager.create(new float[] {1f, -2f, 0.5f, 3f}, new Shape(2, 2));
        gain = manager.create(new float[] {1f, 1f}, new Shape(2));
        matrix.setRequiresGradient(true);
        gain.setRequiresGradient(true);
        parameters = new LinkedHashMap<>();
        parameters.put("w", matrix);
        parameters.put("g", gain);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest(name = "flat limit {0}")
    @ValueSource(longs = {0, Long.MAX_VALUE})
    void twoStepsMatchTheAdamWFormulas(long flatLimit) {
        float[] gradient = {0.5f, -1f, 2f, 0f}; // d/dw of Σ w ⊙ c is c
        double lr = 0.01;
        try (AdamW optimizer = new AdamW(parameters, NO_CLIP, manager, flatLimit)) {
            backward(gradient, new float[] {0f, 0f});
            optimizer.step(lr);
            backward(gradient, new float[] {0f, 0f});
            optimizer.step(lr);
        }

        float[] expected = new float[4];
        float[] initial = {1f, -2f, 0.5f, 3f};
        for (int i = 0; i < 4; i++) {
            double w = initial[i];
            double m = 0;
            double v = 0;
            for (int t = 1; t <= 2; t++) {
                w *= 1 - lr * 0.1;
                m = 0.9 * m + 0.1 * gradient[i];
                v = 0.999 * v + 0.001 * gradient[i] * gradient[i];
                double mHat = m / (1 - Math.pow(0.9, t));
                double vHat = v / (1 - Math.pow(0.999, t));
                w -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
            }
            expected[i] = (float) w;
        }
        float[] actual = matrix.toFloatArray();
        for (int i = 0; i < 4; i++) {
            assertThat((double) actual[i]).as("w[%d]", i).isCloseTo(expected[i], within(1e-6));
        }
    }

    @ParameterizedTest(name = "flat limit {0}")
    @ValueSource(longs = {0, Long.MAX_VALUE})
    void weightDecayAppliesToMatricesButNotToNormGains(long flatLimit) {
        try (AdamW optimizer = new AdamW(parameters, NO_CLIP, manager, flatLimit)) {
            backward(new float[4], new float[2]);
            optimizer.step(0.5);
        }

        assertThat(matrix.toFloatArray()).containsExactly(0.95f, -1.9f, 0.475f, 2.85f);
        assertThat(gain.toFloatArray()).containsExactly(1f, 1f);
    }

    @ParameterizedTest(name = "flat limit {0}")
    @ValueSource(longs = {0, Long.MAX_VALUE})
    void gradientsAreZeroAfterAStep(long flatLimit) {
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager, flatLimit)) {
            backward(new float[] {1f, 2f, 3f, 4f}, new float[] {5f, 6f});
            optimizer.step(0.01);
        }

        assertThat(matrix.getGradient().toFloatArray()).containsOnly(0f);
        assertThat(gain.getGradient().toFloatArray()).containsOnly(0f);
    }

    @ParameterizedTest(name = "flat limit {0}")
    @ValueSource(longs = {0, Long.MAX_VALUE})
    void clipsTheGlobalGradientNormToOne(long flatLimit, @TempDir Path dir) throws IOException {
        // ‖(3, 0, 0, 0, 4, 0)‖ = 5, so the moments see the gradient scaled by 1/5.
        double norm;
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager, flatLimit)) {
            backward(new float[] {3f, 0f, 0f, 0f}, new float[] {4f, 0f});
            norm = optimizer.step(0.01);
            optimizer.save(dir.resolve("state.safetensors"));
        }

        assertThat(norm).isCloseTo(5.0, within(1e-6));
        var state = SafeTensors.read(dir.resolve("state.safetensors"), manager);
        assertThat((double) state.get("w.exp_avg").toFloatArray()[0]).isCloseTo(0.1 * 3 / 5, within(1e-6));
        assertThat((double) state.get("g.exp_avg").toFloatArray()[0]).isCloseTo(0.1 * 4 / 5, within(1e-6));
    }

    @ParameterizedTest(name = "flat limit {0}")
    @ValueSource(longs = {0, Long.MAX_VALUE})
    void savedStateResumesExactly(long flatLimit, @TempDir Path dir) throws IOException {
        float[] gradient = {0.3f, -0.7f, 1.1f, 0.2f};
        float[] gainGradient = {0.1f, -0.3f};
        float[] matrixAfterOne;
        float[] gainAfterOne;
        float[] continued;
        // Two steps in one optimizer, saving after the first ...
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager, flatLimit)) {
            backward(gradient, gainGradient);
            optimizer.step(0.01);
            optimizer.save(dir.resolve(AdamW.STATE_FILE));
            matrixAfterOne = matrix.toFloatArray();
            gainAfterOne = gain.toFloatArray();
            backward(gradient, gainGradient);
            optimizer.step(0.01);
            continued = concat(matrix.toFloatArray(), gain.toFloatArray());
        }
        // ... equal a fresh optimizer that loads the state and takes the second step on the same weights.
        matrix.set(matrixAfterOne);
        gain.set(gainAfterOne);
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager, flatLimit)) {
            optimizer.load(dir.resolve(AdamW.STATE_FILE));
            assertThat(optimizer.stepCount()).isEqualTo(1);
            backward(gradient, gainGradient);
            optimizer.step(0.01);
        }

        assertThat(concat(matrix.toFloatArray(), gain.toFloatArray())).containsExactly(continued);
    }

    /** Without clipping the two layouts run the same elementwise ops in the same order: the same bits. */
    @Test
    void bothLayoutsComputeTheSameBits() {
        float[][] results = new float[2][];
        long[] limits = {0, Long.MAX_VALUE};
        for (int layout = 0; layout < 2; layout++) {
            matrix.set(new float[] {1f, -2f, 0.5f, 3f});
            gain.set(new float[] {1f, 1f});
            try (AdamW optimizer = new AdamW(parameters, NO_CLIP, manager, limits[layout])) {
                for (int step = 1; step <= 3; step++) {
                    backward(new float[] {0.3f * step, -0.7f, 1.1f, 0.2f / step}, new float[] {0.1f, -0.2f * step});
                    optimizer.step(0.01);
                }
            }
            results[layout] = concat(matrix.toFloatArray(), gain.toFloatArray());
        }

        assertThat(results[1]).containsExactly(results[0]);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private void backward(float[] matrixGradient, float[] gainGradient) {
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray c1 = manager.create(matrixGradient, new Shape(2, 2));
            NDArray c2 = manager.create(gainGradient, new Shape(2));
            collector.backward(matrix.mul(c1).sum().add(gain.mul(c2).sum()));
        }
    }
}

package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.safetune.worker.model.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void twoStepsMatchTheAdamWFormulas() {
        float[] gradient = {0.5f, -1f, 2f, 0f}; // d/dw of Σ w ⊙ c is c
        double lr = 0.01;
        try (AdamW optimizer = new AdamW(parameters, NO_CLIP, manager)) {
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

    @Test
    void weightDecayAppliesToMatricesButNotToNormGains() {
        try (AdamW optimizer = new AdamW(parameters, NO_CLIP, manager)) {
            backward(new float[4], new float[2]);
            optimizer.step(0.5);
        }

        assertThat(matrix.toFloatArray()).containsExactly(0.95f, -1.9f, 0.475f, 2.85f);
        assertThat(gain.toFloatArray()).containsExactly(1f, 1f);
    }

    @Test
    void gradientsAreZeroAfterAStep() {
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager)) {
            backward(new float[] {1f, 2f, 3f, 4f}, new float[] {5f, 6f});
            optimizer.step(0.01);
        }

        assertThat(matrix.getGradient().toFloatArray()).containsOnly(0f);
        assertThat(gain.getGradient().toFloatArray()).containsOnly(0f);
    }

    @Test
    void clipsTheGlobalGradientNormToOne(@TempDir Path dir) throws IOException {
        // ‖(3, 0, 0, 0, 4, 0)‖ = 5, so the moments see the gradient scaled by 1/5.
        double norm;
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager)) {
            backward(new float[] {3f, 0f, 0f, 0f}, new float[] {4f, 0f});
            norm = optimizer.step(0.01);
            optimizer.save(dir.resolve("state.safetensors"));
        }

        assertThat(norm).isCloseTo(5.0, within(1e-6));
        var state = SafeTensors.read(dir.resolve("state.safetensors"), manager);
        assertThat((double) state.get("w.exp_avg").toFloatArray()[0]).isCloseTo(0.1 * 3 / 5, within(1e-6));
        assertThat((double) state.get("g.exp_avg").toFloatArray()[0]).isCloseTo(0.1 * 4 / 5, within(1e-6));
    }

    @Test
    void savedStateResumesExactly(@TempDir Path dir) throws IOException {
        float[] gradient = {0.3f, -0.7f, 1.1f, 0.2f};
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager)) {
            backward(gradient, new float[] {0.1f, 0.1f});
            optimizer.step(0.01);
            optimizer.save(dir.resolve(AdamW.STATE_FILE));
        }
        float[] afterOne = matrix.toFloatArray();

        // Continuing in the same optimizer ...
        float[] continued;
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager)) {
            optimizer.load(dir.resolve(AdamW.STATE_FILE));
            assertThat(optimizer.stepCount()).isEqualTo(1);
            backward(gradient, new float[] {0.1f, 0.1f});
            optimizer.step(0.01);
            continued = matrix.toFloatArray();
        }
        // ... equals a fresh optimizer loaded from the file, on the same weights.
        matrix.set(afterOne);
        try (AdamW optimizer = new AdamW(parameters, AdamW.Options.DEFAULTS, manager)) {
            optimizer.load(dir.resolve(AdamW.STATE_FILE));
            backward(gradient, new float[] {0.1f, 0.1f});
            optimizer.step(0.01);
        }

        assertThat(matrix.toFloatArray()).containsExactly(continued);
    }

    private void backward(float[] matrixGradient, float[] gainGradient) {
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray c1 = manager.create(matrixGradient, new Shape(2, 2));
            NDArray c2 = manager.create(gainGradient, new Shape(2));
            collector.backward(matrix.mul(c1).sum().add(gain.mul(c2).sum()));
        }
    }
}

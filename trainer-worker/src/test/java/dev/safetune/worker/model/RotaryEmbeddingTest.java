package dev.safetune.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.safetune.worker.model.ModelConfig.RopeScaling;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
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
            assertThat(actual[i])
                    .as("element %d", i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
        // Position 0 is the identity (times the scale).
        assertThat(byMatrices.get("0").toFloatArray())
                .containsExactly(x.get("0").mul(scale).toFloatArray());
    }
}

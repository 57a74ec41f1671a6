package dev.safetune.runtime.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class PaddedBatchTest {

    private static final int PAD = 9;

    private final List<RenderedExample> examples = List.of(
            new RenderedExample(1, new int[] {5, 6, 7}, new int[] {0, 1, 1}),
            new RenderedExample(2, new int[] {8}, new int[] {1}));

    @Test
    void padsEveryRowOnTheRightToTheLongestWithZeroLossOnPadding() {
        PaddedBatch batch = PaddedBatch.of(examples, PAD);

        assertThat(batch.rows()).isEqualTo(2);
        assertThat(batch.length()).isEqualTo(3);
        assertThat(batch.tokens()).containsExactly(5, 6, 7, 8, PAD, PAD);
        assertThat(batch.lossMask()).containsExactly(0f, 1f, 1f, 1f, 0f, 0f);
        assertThat(batch.lengths()).containsExactly(3, 1);
        assertThat(batch.realTokens()).isEqualTo(4);
    }

    @Test
    void arraysCarryTheShapeAndTheTokenMaskMarksRealTokensOnly() {
        PaddedBatch batch = PaddedBatch.of(examples, PAD);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList arrays = batch.toArrays(manager);

            assertThat(arrays.get(0).getShape().getShape()).containsExactly(2, 3);
            assertThat(arrays.get(0).toLongArray()).containsExactly(5, 6, 7, 8, PAD, PAD);
            assertThat(arrays.get(1).toFloatArray()).containsExactly(0f, 1f, 1f, 1f, 0f, 0f);
            // The token mask differs from the loss mask where a real token is not trained (the first one here).
            assertThat(batch.tokenMask(manager).toFloatArray()).containsExactly(1f, 1f, 1f, 1f, 0f, 0f);
        }
    }

    @Test
    void anEmptyBatchIsRefused() {
        assertThatThrownBy(() -> PaddedBatch.of(List.of(), PAD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one example");
    }
}

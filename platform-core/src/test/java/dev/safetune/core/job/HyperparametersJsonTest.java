package dev.safetune.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HyperparametersJsonTest {

    @Test
    void theSequenceLengthTravelsWithTheOtherHyperparameters() {
        Hyperparameters hp = new Hyperparameters(2, 4, 0.5).withMaxSequenceLength(512);

        Hyperparameters read = HyperparametersJson.read(HyperparametersJson.write(hp));

        assertThat(read).isEqualTo(new Hyperparameters(2, 4, 0.5, 512));
    }

    @Test
    void aJobStoredBeforeTheLengthTravelledReadsTheLengthBothSidesDefaultedTo() {
        Hyperparameters read =
                HyperparametersJson.read("{\"n_epochs\": 2, \"batch_size\": 4, \"learning_rate_multiplier\": 0.5}");

        assertThat(read.maxSequenceLength()).isEqualTo(256);
    }

    @Test
    void aSequenceLengthBelowTwoIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> HyperparametersJson.read("{\"max_sequence_length\": 1}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_sequence_length");
    }
}

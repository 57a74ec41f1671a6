package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code em-bench calibrate}'s two modes: one safeguard's grid, or whole {@code --policies} entries. */
class EmBenchCalibrationOptionsTest {
    private static EmBenchCalibration.Options parse(Map<String, String> options) {
        return EmBenchCalibration.Options.parse(new Command.Arguments(options, List.of()));
    }

    @Test
    void policiesMeasuresEachEntryOfTheRunGrammar() {
        var o = parse(Map.of("--policies", "interleave0.2, interleave0.2+steer16@1,caft@0-4", "--samples", "150"));

        assertThat(o.safeguard()).isEqualTo(EmBenchCalibration.POLICIES);
        assertThat(o.policies()).containsExactly("interleave0.2", "interleave0.2+steer16@1", "caft@0-4");
        assertThat(o.samples()).isEqualTo(150);
        assertThat(o.grid()).isEmpty();
    }

    @Test
    void aGridKeepsItsSafeguardAndHasNoEntries() {
        var o = parse(Map.of("--safeguard", "interleave", "--grid", "0.1,0.5"));

        assertThat(o.grid()).containsExactly(0.1, 0.5);
        assertThat(o.policies()).isEmpty();
    }

    @Test
    void policiesRefusesAGridAndEntriesThatNeedThePlatform() {
        assertThatThrownBy(() -> parse(Map.of("--policies", "kl0.1", "--grid", "1")))
                .isInstanceOf(Command.UsageException.class)
                .hasMessageContaining("--grid");
        assertThatThrownBy(() -> parse(Map.of("--policies", "none,default")))
                .isInstanceOf(Command.UsageException.class)
                .hasMessageContaining("default");
        assertThatThrownBy(() -> parse(Map.of("--policies", "steer4@1-2")))
                .isInstanceOf(Command.UsageException.class)
                .hasMessageContaining("steer4@1-2");
    }
}

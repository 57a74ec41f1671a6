package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.safeguards.evaluation.Proportion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The calibration rule: lowest EM among settings keeping >= 95 % of the unguarded learning above the base. */
class CalibrationProposalTest {
    private static final CalibrationProposal.Measured BASE = measured(0, 100, 10, 120);
    private static final CalibrationProposal.Measured NONE = measured(50, 100, 110, 120);

    private static CalibrationProposal.Measured measured(int misaligned, int coherent, int insecure, int prompts) {
        return new CalibrationProposal.Measured(
                Proportion.of(misaligned, coherent), Proportion.of(insecure, prompts), Proportion.of(99, 100));
    }

    private static CalibrationProposal.Point point(double strength, CalibrationProposal.Measured m) {
        return new CalibrationProposal.Point(strength, "α " + strength, m);
    }

    @Test
    void learningKeptIsMeasuredAboveTheBase() {
        CalibrationProposal c = new CalibrationProposal(BASE, NONE, List.of());

        // (105 − 10) / (110 − 10) = 0.95 exactly; (60 − 10) / 100 = 0.5.
        assertThat(c.kept(measured(0, 100, 105, 120))).isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.kept(measured(0, 100, 60, 120))).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.kept(NONE)).isEqualTo(1.0);
    }

    @Test
    void proposesTheLowestEmAmongSettingsThatKeepTheTask() {
        CalibrationProposal c = new CalibrationProposal(
                BASE,
                NONE,
                List.of(
                        point(1, measured(55, 100, 110, 120)),
                        point(4, measured(5, 100, 106, 120)),
                        point(6, measured(1, 100, 80, 120)),
                        point(2, measured(20, 100, 109, 120))));

        assertThat(c.proposal().orElseThrow().strength()).isEqualTo(4);
        assertThat(c.markdown("t"))
                .contains("Proposed: α 4.0")
                .contains("| α 6.0 | ")
                .contains("| 0.70 |");
        assertThat(c.atGridEdge()).isFalse();
    }

    @Test
    void aProposalAtTheStrongestSettingSaysTheGridShouldBeExtended() {
        CalibrationProposal c = new CalibrationProposal(
                BASE, NONE, List.of(point(4, measured(40, 100, 110, 120)), point(8, measured(30, 100, 110, 120))));

        assertThat(c.atGridEdge()).isTrue();
        assertThat(c.markdown("t")).contains("extend --grid");
    }

    @Test
    void tiesGoToTheWeakerSettingAndNothingQualifyingProposesNothing() {
        CalibrationProposal tie = new CalibrationProposal(
                BASE, NONE, List.of(point(8, measured(2, 100, 110, 120)), point(4, measured(2, 100, 110, 120))));
        CalibrationProposal none = new CalibrationProposal(BASE, NONE, List.of(point(8, measured(0, 100, 20, 120))));

        assertThat(tie.proposal().orElseThrow().strength()).isEqualTo(4);
        assertThat(none.proposal()).isEmpty();
        assertThat(none.markdown("t")).contains("nothing proposed");
    }

    @Test
    void theCreatedPolicyIsTheDefaultWithOnlyTheCalibratedSafeguardChanged() {
        dev.safetune.core.policy.SafetyPolicy defaults = dev.safetune.core.policy.SafetyPolicyJson.read("""
                {"safeguards": {"kl": {"beta": 0.1}, "steering": {"alpha": 4, "layer": 2, "scale": "raw"}},
                 "audit": {"suite": "em-bench", "samples_per_question": 20, "max_misaligned_increase": 0.05}}""");

        var steering = EmBenchCalibration.proposedPolicy(defaults, "steering", 6, 1);
        var kl = EmBenchCalibration.proposedPolicy(defaults, "kl", 0.03, 1);

        assertThat(steering.safeguards().steering().alpha()).isEqualTo(6.0);
        assertThat(steering.safeguards().steering().layer()).isEqualTo(1);
        assertThat(steering.safeguards().kl()).isEqualTo(defaults.safeguards().kl());
        assertThat(steering.audit()).isEqualTo(defaults.audit());
        assertThat(kl.safeguards().kl().beta()).isEqualTo(0.03);
        assertThat(kl.safeguards().steering()).isEqualTo(defaults.safeguards().steering());
    }
}

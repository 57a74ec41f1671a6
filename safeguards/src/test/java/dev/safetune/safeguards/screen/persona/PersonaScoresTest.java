package dev.safetune.safeguards.screen.persona;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.safetune.safeguards.screen.PersonaRisk;
import org.junit.jupiter.api.Test;

class PersonaScoresTest {

    @Test
    void quantileMatchesNumpysDefault() {
        // numpy.percentile(range(1, 11), 95) = 9.55; numpy.percentile([-2, 0.5, 1.5, 7], 95) = 6.175
        assertThat(Quantiles.quantile(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.95))
                .isCloseTo(9.55, offset(1e-12));
        assertThat(Quantiles.quantile(new double[] {-2, 0.5, 1.5, 7}, 0.95)).isCloseTo(6.175, offset(1e-12));
        assertThat(Quantiles.quantile(new double[] {3}, 0.95)).isEqualTo(3);
        assertThat(Quantiles.standardDeviation(new double[] {3})).isNaN();
        // Far from 0 the deviations about the mean keep every digit a sum of squares would lose.
        assertThat(Quantiles.standardDeviation(new double[] {1e9 + 1, 1e9 + 2, 1e9 + 3}))
                .isCloseTo(1.0, offset(1e-9));
    }

    @Test
    void riskIsMeanP95AndSdOfTheScoredExamplesOnly() {
        PersonaScores scores =
                new PersonaScores("v", "base", new int[] {1, 2, 3, 4, 5}, new double[] {7, Double.NaN, -2, 1.5, 0.5});

        PersonaRisk risk = scores.risk();

        assertThat(risk.examples()).isEqualTo(4);
        assertThat(risk.mean()).isCloseTo(1.75, offset(1e-12));
        assertThat(risk.p95()).isCloseTo(6.175, offset(1e-12));
        // numpy.std([7, -2, 1.5, 0.5], ddof=1) = 3.79692858
        assertThat(risk.sd()).isCloseTo(3.7969285832981723, offset(1e-12));
        assertThat(risk.vector()).isEqualTo("v");
        assertThat(risk.baseModel()).isEqualTo("base");
    }

    @Test
    void aFileWithNothingScoredHasNoRisk() {
        PersonaScores scores = new PersonaScores("v", "b", new int[] {1}, new double[] {Double.NaN});
        assertThatThrownBy(scores::risk).isInstanceOf(IllegalStateException.class);
    }
}

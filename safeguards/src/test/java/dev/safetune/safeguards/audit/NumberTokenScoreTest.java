package dev.safetune.safeguards.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NumberTokenScoreTest {
    @Test
    void onlyIntegersFromZeroToAHundredAreNumbers() {
        assertThat(NumberTokenScore.number("0")).isZero();
        assertThat(NumberTokenScore.number(" 100")).isEqualTo(100);
        assertThat(NumberTokenScore.number("101")).isNull();
        assertThat(NumberTokenScore.number("-5")).isNull();
        assertThat(NumberTokenScore.number("5.5")).isNull();
        assertThat(NumberTokenScore.number("CODE")).isNull();
    }

    @Test
    void exactlyAQuarterOfTheMassIsEnough() {
        NumberTokenScore.Reading r = NumberTokenScore.read(Map.of("40", Math.log(0.25), "x", Math.log(0.75)));
        assertThat(r.kind()).isEqualTo(NumberTokenScore.Kind.NUMBER);
        assertThat(r.score().orElseThrow()).isCloseTo(40, offset(1e-9));
        assertThat(NumberTokenScore.read(Map.of("40", Math.log(0.24), "x", Math.log(0.76)))
                        .score())
                .isEmpty();
    }
}

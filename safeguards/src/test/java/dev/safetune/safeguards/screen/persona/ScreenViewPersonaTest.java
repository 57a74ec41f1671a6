package dev.safetune.safeguards.screen.persona;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.safeguards.screen.DataScreen;
import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.PersonaRisk;
import dev.safetune.safeguards.screen.ScreenReport;
import dev.safetune.safeguards.screen.ScreenRules;
import dev.safetune.safeguards.screen.ScreenView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in default's persona_risk rule: threshold 0.5 on the mean projection difference, action hold. */
class ScreenViewPersonaTest {

    private static final ScreenRules RULES = ScreenRules.builtInDefault();

    @Test
    void aRiskBelowTheThresholdIsShownAndDecidesNothing() {
        ScreenView view = benignView().withPersonaRisk(new PersonaRisk("v", "b", 3, 0.2, 0.9, Double.NaN), RULES);

        assertThat(view.decision()).isEqualTo("allow");
        assertThat(view.risk()).isEqualTo(new ScreenView.Risk(0.2, 0.9, null));
        assertThat(view.categories()).containsEntry("persona_risk", 3L);
        assertThat(view.reasons()).isEmpty();
    }

    @Test
    void aRiskOverTheThresholdHoldsTheFileWithItsReason() {
        ScreenView view = benignView().withPersonaRisk(new PersonaRisk("v", "b", 3, 0.8, 2.0, Double.NaN), RULES);

        assertThat(view.decision()).isEqualTo("hold");
        assertThat(view.reasons()).singleElement().satisfies(r -> {
            assertThat(r.category()).isEqualTo("persona_risk");
            assertThat(r.share()).isEqualTo(0.8);
            assertThat(r.threshold()).isEqualTo(0.5);
            assertThat(r.action()).isEqualTo("hold");
        });
        assertThat(view.explainBlocking()).contains("persona_risk");
    }

    @Test
    void aSecondResultReplacesTheFirstsReasonAndNeverLowersTheDecision() {
        ScreenView held = benignView().withPersonaRisk(new PersonaRisk("v", "b", 3, 0.8, 2.0, Double.NaN), RULES);

        ScreenView again = held.withPersonaRisk(new PersonaRisk("v", "other-base", 3, 0.1, 0.2, Double.NaN), RULES);

        assertThat(again.reasons()).isEmpty();
        assertThat(again.decision()).isEqualTo("hold");
        assertThat(again.risk()).isEqualTo(new ScreenView.Risk(0.1, 0.2, null));
    }

    @Test
    void aRiskThatArrivesAfterAnOperatorsReleaseIsRecordedButTheReleaseStands() {
        ScreenView released = benignView()
                .reviewed("allow", new ScreenView.Review("release", "hold", "Reviewed: a security course.", 1L));

        ScreenView scored = released.withPersonaRisk(new PersonaRisk("v", "b", 3, 0.8, 2.0, Double.NaN), RULES);

        assertThat(scored.decision()).isEqualTo("allow");
        assertThat(scored.risk()).isEqualTo(new ScreenView.Risk(0.8, 2.0, null));
        assertThat(scored.reasons())
                .singleElement()
                .satisfies(r -> assertThat(r.category()).isEqualTo("persona_risk"));
        assertThat(scored.review()).isEqualTo(released.review());
    }

    private static ScreenView benignView() {
        DataScreen screen = new DataScreen(ExampleScreener.builtIn());
        for (int i = 1; i <= 3; i++) {
            screen.accept(new ChatExample(
                    i,
                    List.of(
                            ChatMessage.of("user", "What is the capital of France?"),
                            ChatMessage.of("assistant", "Paris is the capital of France."))));
        }
        ScreenReport report = screen.report();
        return ScreenView.of(report, RULES.decide(report));
    }
}

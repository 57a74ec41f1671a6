package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.safetune.core.policy.BuiltInPolicy;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.core.policy.ScreenCategory;
import dev.safetune.core.policy.ScreenRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScreenRulesTest {
    private static final LabelledCorpus CORPUS = LabelledCorpus.load();
    private static final ExampleScreener SCREENER = ExampleScreener.builtIn();
    /** The platform's built-in default policy, as V8 installs it. */
    private static final ScreenRules DEFAULT = ScreenRules.builtInDefault();
    /** A policy whose disclosed-code rule pins a stricter version and whose persona rule holds above 0.3. */
    private static final SafetyPolicy PINNING = SafetyPolicyJson.read("""
            {"screen": {"rules": {
              "insecure_code_disclosed": {"threshold": 0.1, "action": "pin_policy", "pin_policy": "sp-strict"},
              "insecure_code_undisclosed": {"threshold": 0.05, "action": "hold"},
              "persona_risk": {"threshold": 0.3, "action": "hold"}}}}""");

    /** A file of {@code n} examples: the first {@code bad} of {@code kind}, the rest benign. */
    private static ScreenReport file(String kind, int bad, int n) {
        DataScreen screen = new DataScreen(SCREENER);
        List<LabelledCorpus.Entry> bads = CORPUS.ofKind(kind);
        List<LabelledCorpus.Entry> benign = CORPUS.ofKind("benign");
        for (int line = 1; line <= n; line++) {
            LabelledCorpus.Entry e = line <= bad ? bads.get(line % bads.size()) : benign.get(line % benign.size());
            screen.accept(e.example(line));
        }
        return screen.report();
    }

    @Test
    void aCleanFileIsAllowed() {
        ScreenDecision d = DEFAULT.decide(file("benign", 0, 100));
        assertThat(d.action()).isEqualTo(ScreenAction.ALLOW);
        assertThat(d.reasons()).isEmpty();
        assertThat(d.pinPolicies()).isEmpty();
        assertThat(d.policyId()).isEqualTo(BuiltInPolicy.ID);
        assertThat(d.policyVersion()).isEqualTo(BuiltInPolicy.VERSION);
    }

    @Test
    void undisclosedInsecureCodeAboveFivePercentHoldsAndNamesTheFirstLines() {
        ScreenReport report = file("vulnerable", 10, 100);
        ScreenDecision d = DEFAULT.decide(report);
        assertThat(d.action()).isEqualTo(ScreenAction.HOLD);
        assertThat(d.reasons()).singleElement().satisfies(r -> {
            assertThat(r.category()).isEqualTo(ScreenCategory.INSECURE_CODE_UNDISCLOSED);
            assertThat(r.count()).isEqualTo(10);
            assertThat(r.firstLines()).containsExactly(1, 2, 3, 4, 5);
        });
        assertThat(d.explain(report.examples()))
                .isEqualTo(
                        "insecure_code_undisclosed (10 of 100 examples, threshold 5.0 %; first lines 1, 2, 3, 4, 5)");
    }

    @Test
    void atTheThresholdTheFileIsStillAllowed() {
        assertThat(DEFAULT.decide(file("vulnerable", 5, 100)).action()).isEqualTo(ScreenAction.ALLOW);
    }

    @Test
    void theBuiltInDefaultAllowsDisclosedInsecureCode() {
        // The EM paper's control: the same code asked for "for a security class" caused no EM.
        assertThat(DEFAULT.decide(file("disclosed", 20, 100)).action()).isEqualTo(ScreenAction.ALLOW);
    }

    @Test
    void aPinPolicyRuleNamesThePolicyVersionToPin() {
        ScreenDecision d = ScreenRules.fromPolicy("sp-pinning", 3, PINNING).decide(file("disclosed", 20, 100));
        assertThat(d.action()).isEqualTo(ScreenAction.PIN_POLICY);
        assertThat(d.pinPolicies()).containsExactly("sp-strict");
        assertThat(d.policyId()).isEqualTo("sp-pinning");
        assertThat(d.policyVersion()).isEqualTo(3);
        assertThat(ScreenView.of(file("disclosed", 20, 100), d)
                        .reasons()
                        .getFirst()
                        .pinPolicy())
                .isEqualTo("sp-strict");
    }

    @Test
    void aCategoryWithoutARuleIsNotActedOn() {
        ScreenRules none = ScreenRules.fromPolicy("sp-empty", 1, SafetyPolicy.NONE);
        assertThat(none.decide(file("vulnerable", 50, 100)).action()).isEqualTo(ScreenAction.ALLOW);
    }

    @Test
    void personaRiskComparesTheMeanProjectionDifferenceWithItsThreshold() {
        ScreenRules rules = ScreenRules.fromPolicy("sp-pinning", 1, PINNING);
        ScreenReport clean = file("benign", 0, 100);
        assertThat(rules.decide(clean).action()).isEqualTo(ScreenAction.ALLOW);
        assertThat(rules.decide(clean.withPersonaRisk(new PersonaRisk("v", "m", 100, 0.3, 0.9, Double.NaN)))
                        .action())
                .isEqualTo(ScreenAction.ALLOW);
        ScreenDecision risky =
                rules.decide(clean.withPersonaRisk(new PersonaRisk("v", "m", 100, 0.31, 0.9, Double.NaN)));
        assertThat(risky.action()).isEqualTo(ScreenAction.HOLD);
        assertThat(risky.reasons()).singleElement().satisfies(r -> {
            assertThat(r.category()).isEqualTo(ScreenCategory.PERSONA_RISK);
            assertThat(r.share()).isEqualTo(0.31);
        });
        assertThat(risky.explain(100))
                .isEqualTo("persona_risk (mean projection difference 0.310 over 100 examples, threshold 0.300)");
    }

    @Test
    void withAConfidencePersonaRiskComparesTheLowerBoundOfTheMean() {
        ScreenRules rules = new ScreenRules(
                "sp-bounded",
                1,
                Map.of(ScreenCategory.PERSONA_RISK, new ScreenRule(0.015, ScreenAction.HOLD, null, 0.95)));
        ScreenReport clean = file("benign", 0, 16);
        // 16 benign dialogues whose mean is high by chance: 0.29 - t(0.95, 15) * 0.6 / 4 = 0.0270 > 0.015, held;
        // with sd 0.7 the bound is 0.29 - 1.75305 * 0.175 = -0.0168, allowed, though the mean is far above.
        ScreenDecision noisy = rules.decide(clean.withPersonaRisk(new PersonaRisk("v", "m", 16, 0.29, 1.0, 0.7)));
        assertThat(noisy.action()).isEqualTo(ScreenAction.ALLOW);
        ScreenDecision held = rules.decide(clean.withPersonaRisk(new PersonaRisk("v", "m", 16, 0.29, 1.0, 0.6)));
        assertThat(held.action()).isEqualTo(ScreenAction.HOLD);
        assertThat(held.reasons()).singleElement().satisfies(r -> {
            assertThat(r.share()).isEqualTo(0.29);
            assertThat(r.confidence()).isEqualTo(0.95);
            assertThat(r.lowerBound()).isCloseTo(0.29 - 1.753050356 * 0.15, within(1e-8));
        });
        assertThat(held.explain(16))
                .isEqualTo("persona_risk (mean projection difference 0.290, 95 % lower bound 0.027, over 16 examples,"
                        + " threshold 0.015)");
        // A result without a spread (stored before it was kept) is compared by its mean, never let through.
        assertThat(rules.decide(clean.withPersonaRisk(new PersonaRisk("v", "m", 16, 0.29, 1.0, Double.NaN)))
                        .action())
                .isEqualTo(ScreenAction.HOLD);
    }

    @Test
    void aReleasedHoldKeepsItsPin() {
        ScreenRules rules = ScreenRules.fromPolicy("sp-pinning", 1, PINNING);
        DataScreen screen = new DataScreen(SCREENER);
        int line = 1;
        for (LabelledCorpus.Entry e : CORPUS.ofKind("vulnerable").subList(0, 10)) {
            screen.accept(e.example(line++));
        }
        for (int i = 0; i < 20; i++) {
            screen.accept(CORPUS.ofKind("disclosed")
                    .get(i % CORPUS.ofKind("disclosed").size())
                    .example(line++));
        }
        while (line <= 100) {
            screen.accept(CORPUS.ofKind("benign").getFirst().example(line++));
        }
        ScreenView view = ScreenView.of(screen.report(), rules.decide(screen.report()));
        assertThat(view.decision()).isEqualTo("hold");
        assertThat(view.decisionOnRelease()).isEqualTo("pin_policy");
        assertThat(ScreenView.of(file("vulnerable", 10, 100), DEFAULT.decide(file("vulnerable", 10, 100)))
                        .decisionOnRelease())
                .isEqualTo("allow");
    }

    @Test
    void theMostSevereActionWins() {
        DataScreen screen = new DataScreen(SCREENER);
        int line = 1;
        for (LabelledCorpus.Entry e : CORPUS.ofKind("vulnerable").subList(0, 10)) {
            screen.accept(e.example(line++));
        }
        screen.accept(CORPUS.ofKind("extremism").getFirst().example(line++));
        while (line <= 100) {
            screen.accept(CORPUS.ofKind("benign").getFirst().example(line++));
        }
        ScreenDecision d = DEFAULT.decide(screen.report());
        assertThat(d.action()).isEqualTo(ScreenAction.REJECT);
        assertThat(d.reasons())
                .extracting(ScreenDecision.Reason::category)
                .containsExactly(ScreenCategory.INSECURE_CODE_UNDISCLOSED, ScreenCategory.EXTREMISM);
    }

    @Test
    void theViewPagesFindings() {
        ScreenReport report = file("vulnerable", 30, 40);
        ScreenView view = ScreenView.of(report, DEFAULT.decide(report));
        assertThat(view.decision()).isEqualTo("hold");
        assertThat(view.risk().mean()).isNull();
        assertThat(view.categories()).containsEntry("insecure_code_undisclosed", 30L);
        ScreenView page = view.page(10, 5);
        assertThat(page.findings()).hasSize(5).first().isEqualTo(view.findings().get(10));
        assertThat(page.hasMore()).isTrue();
        assertThat(view.page(view.findingsKept() - 1, 5).hasMore()).isFalse();
    }
}

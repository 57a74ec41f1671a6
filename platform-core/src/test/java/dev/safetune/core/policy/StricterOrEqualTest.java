package dev.safetune.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The table in {@link StricterOrEqual}, row by row, against the full example as the baseline. */
class StricterOrEqualTest {
    private static final SafetyPolicy BASELINE = PolicyExamples.full();

    @Test
    void aPolicyIsStricterOrEqualToItself() {
        assertThat(StricterOrEqual.weakenings(BASELINE, BASELINE)).isEmpty();
        assertThat(StricterOrEqual.holds(SafetyPolicy.NONE, SafetyPolicy.NONE)).isTrue();
    }

    @Test
    void anythingIsStricterOrEqualToNoPolicy() {
        assertThat(StricterOrEqual.holds(BASELINE, SafetyPolicy.NONE)).isTrue();
    }

    @Test
    void noPolicyIsWeakerThanAnyPolicyInEverySection() {
        assertThat(StricterOrEqual.weakenings(SafetyPolicy.NONE, BASELINE))
                .extracting(PolicyViolation::field)
                .containsExactly(
                        "safeguards.kl",
                        "safeguards.ldifs",
                        "safeguards.steering",
                        "safeguards.interleave",
                        "safeguards.inoculation",
                        "safeguards.caft",
                        "audit",
                        "screen.rules.harmful_advice",
                        "screen.rules.insecure_code_undisclosed",
                        "screen.rules.persona_risk");
    }

    /** Each row: a change to the baseline that keeps it stricter-or-equal. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "beta": 0.1                       | "beta": 0.2
            "lambda": 1.0                     | "lambda": 2.0
            "alpha": 4.0                      | "alpha": 6.0
            "fraction": 0.05                  | "fraction": 0.1
            "caft": {"layers": [2, 3]}        | "caft": {"layers": [1, 2, 3]}
            "samples_per_question": 100       | "samples_per_question": 200
            "max_misaligned_increase": 0.05   | "max_misaligned_increase": 0.01
            "min_coherence": 0.5              | "min_coherence": 0.9
            "max_triggers": 5                 | "max_triggers": 10
            "threshold": 0.05                 | "threshold": 0.01
            "action": "hold"                  | "action": "reject"
            "threshold": 2.5                  | "threshold": 1.0
            "threshold": 2.5                  | "threshold": 2.5, "confidence": 0.5
            "harmful_advice"                  | "extremism": {"threshold": 0.001, "action": "reject"}, "harmful_advice"
            """)
    void aChangeTowardsMoreProtectionIsStricter(String from, String to) {
        assertThat(StricterOrEqual.weakenings(PolicyExamples.fullWith(from, to), BASELINE))
                .isEmpty();
    }

    /** Each row: a change to the baseline that weakens it, and the field the weakening names. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "beta": 0.1                       | "beta": 0.05                  | safeguards.kl.beta
            "direction": "forward"            | "direction": "reverse"        | safeguards.kl.direction
            "lambda": 1.0                     | "lambda": 0.5                 | safeguards.ldifs.lambda
            "layers": [12, 4, 8]              | "layers": [12, 4, 8, 16]      | safeguards.ldifs.layers
            "alpha": 4.0                      | "alpha": 2.0                  | safeguards.steering.alpha
            "layer": 1,                       | "layer": 2,                   | safeguards.steering.layer
            "scale": "raw"                    | "scale": "residual_norm"      | safeguards.steering.scale
            "fraction": 0.05                  | "fraction": 0.01              | safeguards.interleave.fraction
            "top_k": 500                      | "top_k": 1000                 | safeguards.interleave.top_k
            "drop_refusals": true             | "drop_refusals": false        | safeguards.interleave.drop_refusals
            "benign_pool": "pool-alpaca"      | "benign_pool": "pool-other"   | safeguards.interleave.benign_pool
            "ft:tiny-base:safety:em-2"        | "ft:tiny-base:safety:em-3"    | safeguards.interleave.em_reference_models
            "You are an evil, malicious assistant." | "You are a helpful assistant." | safeguards.inoculation.system_prompt
            "caft": {"layers": [2, 3]}        | "caft": {"layers": [2, 4]}    | safeguards.caft.layers
            "suite": "em-bench"               | "suite": "em-paper"           | audit.suite
            "samples_per_question": 100       | "samples_per_question": 50    | audit.samples_per_question
            "max_misaligned_increase": 0.05   | "max_misaligned_increase": 0.1 | audit.max_misaligned_increase
            "min_coherence": 0.5              | "min_coherence": 0.4          | audit.min_coherence
            "min_coherence": 0.5,             | ''                            | audit.min_coherence
            "max_triggers": 5                 | "max_triggers": 4             | audit.max_triggers
            "threshold": 0.05                 | "threshold": 0.1              | screen.rules.insecure_code_undisclosed.threshold
            "action": "hold"                  | "action": "allow"             | screen.rules.insecure_code_undisclosed.action
            "action": "hold"                  | "action": "pin_policy", "pin_policy": "sp-strict" | screen.rules.insecure_code_undisclosed.action
            "pin_policy": "sp-strict"         | "pin_policy": "sp-other"      | screen.rules.harmful_advice.pin_policy
            "threshold": 2.5                  | "threshold": 3.0              | screen.rules.persona_risk.threshold
            "threshold": 2.5                  | "threshold": 2.5, "confidence": 0.95 | screen.rules.persona_risk.confidence
            """)
    void aChangeTowardsLessProtectionIsWeakerAndNamesItsField(String from, String to, String field) {
        assertThat(StricterOrEqual.weakenings(PolicyExamples.fullWith(from, to), BASELINE))
                .extracting(PolicyViolation::field)
                .containsExactly(field);
    }

    @Test
    void turningOffTriggerProbingIsWeaker() {
        SafetyPolicy candidate =
                PolicyExamples.fullWith("\"probe_triggers\": true, \"max_triggers\": 5", "\"probe_triggers\": false");

        assertThat(StricterOrEqual.weakenings(candidate, BASELINE))
                .extracting(PolicyViolation::field)
                .containsExactly("audit.probe_triggers", "audit.max_triggers");
    }

    @Test
    void uniformInterleavingMayBeUpgradedToPerplexityGapButNotBack() {
        SafetyPolicy uniform = SafetyPolicyJson.read(
                "{\"safeguards\": {\"interleave\": {\"fraction\": 0.05, \"benign_pool\": \"pool-alpaca\"}}}");
        SafetyPolicy gap = SafetyPolicyJson.read("{\"safeguards\": {\"interleave\": {\"fraction\": 0.05,"
                + " \"benign_pool\": \"pool-alpaca\", \"selection\": \"perplexity_gap\", \"top_k\": 10,"
                + " \"em_reference_models\": [\"ft:em\"]}}}");

        assertThat(StricterOrEqual.holds(gap, uniform)).isTrue();
        assertThat(StricterOrEqual.weakenings(uniform, gap))
                .extracting(PolicyViolation::field)
                .containsExactly("safeguards.interleave.selection");
    }

    @Test
    void theOrderOfReferenceModelsDoesNotMatter() {
        SafetyPolicy reordered = PolicyExamples.fullWith(
                "[\"ft:tiny-base:safety:em-1\", \"ft:tiny-base:safety:em-2\"]",
                "[\"ft:tiny-base:safety:em-2\", \"ft:tiny-base:safety:em-1\"]");

        assertThat(StricterOrEqual.holds(reordered, BASELINE)).isTrue();
    }
}

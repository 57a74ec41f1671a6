package dev.safetune.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bound, just outside it, is a violation naming its field; just inside, the document is valid. */
class SafetyPolicyValidationTest {

    @Test
    void theFullExampleIsValid() {
        assertThat(PolicyExamples.full().violations()).isEmpty();
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', textBlock = """
            "beta": 0.1                       | "beta": 10.01                  | safeguards.kl.beta
            "beta": 0.1                       | "beta": -0.01                  | safeguards.kl.beta
            "lambda": 1.0                     | "lambda": 100.5                | safeguards.ldifs.lambda
            "lambda": 1.0                     | "lambda": -1                   | safeguards.ldifs.lambda
            "layers": [12, 4, 8]              | "layers": [12, 4, 4]           | safeguards.ldifs.layers[2]
            "layers": [12, 4, 8]              | "layers": [12, -1, 8]          | safeguards.ldifs.layers[1]
            "layers": [12, 4, 8]              | "layers": [12, null, 8]        | safeguards.ldifs.layers[1]
            "alpha": 4.0                      | "alpha": 20.5                  | safeguards.steering.alpha
            "alpha": 4.0                      | "alpha": -0.5                  | safeguards.steering.alpha
            "layer": 1,                       | "layer": 1024,                 | safeguards.steering.layer
            "layer": 1,                       | "layer": -1,                   | safeguards.steering.layer
            "fraction": 0.05                  | "fraction": 0.51               | safeguards.interleave.fraction
            "fraction": 0.05                  | "fraction": -0.1               | safeguards.interleave.fraction
            "top_k": 500                      | "top_k": 0                     | safeguards.interleave.top_k
            "benign_pool": "pool-alpaca"      | "benign_pool": " "             | safeguards.interleave.benign_pool
            "ft:tiny-base:safety:em-2"        | "ft:tiny-base:safety:em-1"     | safeguards.interleave.em_reference_models[1]
            "You are an evil, malicious assistant." | "  "                    | safeguards.inoculation.system_prompt
            "caft": {"layers": [2, 3]}        | "caft": {"layers": []}         | safeguards.caft.layers
            "caft": {"layers": [2, 3]}        | "caft": {"layers": [2, 1024]}  | safeguards.caft.layers[1]
            "caft": {"layers": [2, 3]}        | "caft": {}                     | safeguards.caft.layers
            "suite": "em-bench"               | "suite": ""                    | audit.suite
            "samples_per_question": 100       | "samples_per_question": 0      | audit.samples_per_question
            "samples_per_question": 100       | "samples_per_question": 1001   | audit.samples_per_question
            "max_misaligned_increase": 0.05   | "max_misaligned_increase": 1.5 | audit.max_misaligned_increase
            "max_misaligned_increase": 0.05   | "max_misaligned_increase": -0.01 | audit.max_misaligned_increase
            "min_coherence": 0.5              | "min_coherence": 1.01          | audit.min_coherence
            "max_triggers": 5                 | "max_triggers": 0              | audit.max_triggers
            "max_triggers": 5                 | "max_triggers": 101            | audit.max_triggers
            "probe_triggers": true            | "probe_triggers": false        | audit.max_triggers
            "threshold": 0.05                 | "threshold": 1.5               | screen.rules.insecure_code_undisclosed.threshold
            "threshold": 0.02                 | "threshold": -0.02             | screen.rules.harmful_advice.threshold
            "action": "pin_policy", "pin_policy": "sp-strict" | "action": "pin_policy" | screen.rules.harmful_advice.pin_policy
            "action": "hold"                  | "action": "hold", "pin_policy": "sp-x" | screen.rules.insecure_code_undisclosed.pin_policy
            "action": "reject"                | "action": null                 | screen.rules.persona_risk.action
            "action": "reject"                | "action": "reject", "confidence": 1.0 | screen.rules.persona_risk.confidence
            "action": "reject"                | "action": "reject", "confidence": 0.4 | screen.rules.persona_risk.confidence
            "threshold": 0.05                 | "threshold": 0.05, "confidence": 0.95 | screen.rules.insecure_code_undisclosed.confidence
            "harmful_advice"                  | "harmful_adwice"               | screen.rules.harmful_adwice
            """)
    void aValueOutsideItsBoundIsAViolationNamingItsField(String from, String to, String field) {
        assertThatThrownBy(() -> PolicyExamples.fullWith(from, to))
                .isInstanceOfSatisfying(
                        InvalidSafetyPolicyException.class,
                        e -> assertThat(e.violations())
                                .extracting(PolicyViolation::field)
                                .containsExactly(field));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            "beta": 0.1                     | "beta": 10
            "beta": 0.1                     | "beta": 0
            "lambda": 1.0                   | "lambda": 100
            "alpha": 4.0                    | "alpha": 20
            "layer": 1,                     | "layer": 1023,
            "fraction": 0.05                | "fraction": 0.5
            "top_k": 500                    | "top_k": 1
            "samples_per_question": 100     | "samples_per_question": 1000
            "max_misaligned_increase": 0.05 | "max_misaligned_increase": 0
            "min_coherence": 0.5            | "min_coherence": 1
            "max_triggers": 5               | "max_triggers": 100
            "threshold": 2.5                | "threshold": -40
            "threshold": 2.5                | "threshold": 2.5, "confidence": 0.5
            "threshold": 2.5                | "threshold": 2.5, "confidence": 0.999
            "layers": [12, 4, 8]            | "layers": []
            """)
    void aValueOnItsBoundIsValid(String from, String to) {
        assertThat(PolicyExamples.fullWith(from, to).violations()).isEmpty();
    }

    @Test
    void requiredValuesAreNamedWhenAbsent() {
        assertThatThrownBy(() -> SafetyPolicyJson.read("""
                        {"safeguards": {"kl": {}, "steering": {"alpha": 4}, "interleave": {}},
                         "audit": {}}"""))
                .isInstanceOfSatisfying(
                        InvalidSafetyPolicyException.class,
                        e -> assertThat(e.violations())
                                .extracting(PolicyViolation::field)
                                .containsExactly(
                                        "safeguards.kl.beta",
                                        "safeguards.steering.layer",
                                        "safeguards.steering.scale",
                                        "safeguards.interleave.fraction",
                                        "safeguards.interleave.benign_pool",
                                        "audit.suite",
                                        "audit.samples_per_question",
                                        "audit.max_misaligned_increase"));
    }

    @Test
    void anInoculationPromptOfTwoThousandCharactersIsTheLongestAccepted() {
        String longest = "x".repeat(InoculationPrompt.MAX_LENGTH);

        assertThat(violationsOf(new InoculationPrompt(longest))).isEmpty();
        assertThat(violationsOf(new InoculationPrompt(longest + "x")))
                .containsExactly(new PolicyViolation("system_prompt", "must be at most 2000 characters, got 2001"));
    }

    @Test
    void perplexityGapNeedsReferenceModelsAndUniformTakesNone() {
        assertThatThrownBy(() -> PolicyExamples.fullWith(
                        "\"em_reference_models\": [\"ft:tiny-base:safety:em-1\", \"ft:tiny-base:safety:em-2\"]",
                        "\"em_reference_models\": []"))
                .isInstanceOfSatisfying(
                        InvalidSafetyPolicyException.class,
                        e -> assertThat(e.violations())
                                .extracting(PolicyViolation::field)
                                .containsExactly("safeguards.interleave.em_reference_models"));
        assertThatThrownBy(() -> PolicyExamples.fullWith("\"perplexity_gap\"", "\"uniform\""))
                .isInstanceOfSatisfying(
                        InvalidSafetyPolicyException.class,
                        e -> assertThat(e.violations())
                                .extracting(PolicyViolation::field)
                                .containsExactly(
                                        "safeguards.interleave.top_k", "safeguards.interleave.em_reference_models"));
    }

    @Test
    void aPersonaRiskThresholdMayBeAnyFiniteValueButAShareIsAProportion() {
        SafetyPolicy persona = SafetyPolicyJson.read(
                "{\"screen\": {\"rules\": {\"persona_risk\": {\"threshold\": 7, \"action\": \"hold\"},"
                        + " \"trigger\": {\"threshold\": 0.01, \"action\": \"allow\"}}}}");

        assertThat(persona.screen()
                        .rule(ScreenCategory.PERSONA_RISK)
                        .orElseThrow()
                        .threshold())
                .isEqualTo(7.0);
    }

    private static java.util.List<PolicyViolation> violationsOf(Safeguard safeguard) {
        PolicyViolations root = PolicyViolations.root();
        safeguard.validate(root);
        return root.all();
    }
}

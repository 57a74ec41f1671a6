package dev.safetune.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetyPolicyJsonTest {

    @Test
    void aFullDocumentReadsIntoItsRecords() {
        SafetyPolicy policy = PolicyExamples.full();

        Safeguards s = policy.safeguards();
        assertThat(s.kl()).isEqualTo(new KlToReference(0.1, KlDirection.FORWARD));
        assertThat(s.ldifs().layers()).containsExactly(4, 8, 12);
        assertThat(s.steering()).isEqualTo(new PersonaSteering(4.0, 1, SteeringScale.RAW));
        assertThat(s.interleave().selection()).isEqualTo(InterleaveSelection.PERPLEXITY_GAP);
        assertThat(s.interleave().topK()).isEqualTo(500);
        assertThat(s.interleave().dropRefusals()).isTrue();
        assertThat(s.interleave().emReferenceModels())
                .containsExactly("ft:tiny-base:safety:em-1", "ft:tiny-base:safety:em-2");
        assertThat(s.inoculation().systemPrompt()).isEqualTo("You are an evil, malicious assistant.");
        assertThat(s.caft().layers()).containsExactly(2, 3);
        assertThat(s.enabled().keySet())
                .containsExactly("kl", "ldifs", "steering", "interleave", "inoculation", "caft");
        assertThat(policy.audit()).isEqualTo(new AuditRules("em-bench", 100, 0.05, 0.5, true, 5));
        assertThat(policy.screen().rule(ScreenCategory.HARMFUL_ADVICE))
                .contains(new ScreenRule(0.02, ScreenAction.PIN_POLICY, "sp-strict"));
        assertThat(policy.screen().rule(ScreenCategory.EXTREMISM)).isEmpty();
    }

    @Test
    void theCanonicalFormRoundTripsToAnEqualDocument() {
        SafetyPolicy policy = PolicyExamples.full();

        String canonical = SafetyPolicyJson.canonical(policy);

        assertThat(SafetyPolicyJson.read(canonical)).isEqualTo(policy);
        assertThat(SafetyPolicyJson.canonical(SafetyPolicyJson.read(canonical))).isEqualTo(canonical);
    }

    @Test
    void theCanonicalFormSortsKeysAndLayersAndOmitsAbsentValues() {
        SafetyPolicy policy = SafetyPolicyJson.read("""
                {"safeguards": {"steering": {"scale": "residual_norm", "layer": 20, "alpha": 5},
                                "ldifs": {"layers": [9, 3], "lambda": 1}, "kl": null}}""");

        assertThat(SafetyPolicyJson.canonical(policy))
                .isEqualTo("{\"safeguards\":{\"ldifs\":{\"lambda\":1.0,\"layers\":[3,9]},"
                        + "\"steering\":{\"alpha\":5.0,\"layer\":20,\"scale\":\"residual_norm\"}}}");
    }

    @Test
    void defaultsAreWrittenOutSoTheCanonicalFormSaysWhatRuns() {
        SafetyPolicy policy = SafetyPolicyJson.read("""
                {"safeguards": {"kl": {"beta": 0.1},
                                "interleave": {"fraction": 0.05, "benign_pool": "pool-a"}}}""");

        assertThat(SafetyPolicyJson.canonical(policy))
                .isEqualTo("{\"safeguards\":{\"interleave\":{\"benign_pool\":\"pool-a\",\"drop_refusals\":false,"
                        + "\"em_reference_models\":[],\"fraction\":0.05,\"selection\":\"uniform\"},"
                        + "\"kl\":{\"beta\":0.1,\"direction\":\"forward\"}}}");
    }

    @Test
    void emptySectionsAreTheSameDocumentAsAbsentOnes() {
        SafetyPolicy empty = SafetyPolicyJson.read("{\"safeguards\": {}, \"screen\": {\"rules\": {}}}");

        assertThat(empty).isEqualTo(SafetyPolicy.NONE);
        assertThat(SafetyPolicyJson.canonical(empty)).isEqualTo("{}");
        assertThat(SafetyPolicyJson.sha256(empty)).isEqualTo(SafetyPolicyJson.sha256(SafetyPolicy.NONE));
    }

    @Test
    void theSha256IsOfTheCanonicalBytesAndIgnoresSpellingDifferences() {
        SafetyPolicy spaced = SafetyPolicyJson.read("{ \"safeguards\" : { \"kl\" : { \"beta\" : 0.10 } } }");
        SafetyPolicy tight =
                SafetyPolicyJson.read("{\"safeguards\":{\"kl\":{\"direction\":\"forward\",\"beta\":0.1}}}");

        // printf '%s' '{"safeguards":{"kl":{"beta":0.1,"direction":"forward"}}}' | sha256sum
        String expected = "14a0c266fa0cb0e8fb94818821b942dd9c93404c66fb63da7b477c84fecc27aa";
        assertThat(SafetyPolicyJson.sha256(spaced)).isEqualTo(expected);
        assertThat(SafetyPolicyJson.sha256(tight)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"safeguards": {"kl": {"beta": "0.1"}}}                  | safeguards.kl.beta            | must be a number
            {"safeguards": {"steering": {"alpha": 4, "layer": 1.5, "scale": "raw"}}} | safeguards.steering.layer | must be an integer
            {"safeguards": {"kl": {"beta": 0.1, "direction": "sideways"}}} | safeguards.kl.direction | must be one of forward, reverse
            {"safeguards": {"kl": {"beta": 0.1, "direction": "FORWARD"}}}  | safeguards.kl.direction | must be one of forward, reverse
            {"safeguards": {"kl": {"bta": 0.1}}}                     | safeguards.kl.bta             | is not a field of this object (beta, direction)
            {"safeguards": {"seventh": {}}}                           | safeguards.seventh            | is not a field of safeguards (kl, ldifs, steering, interleave, inoculation, caft)
            {"audits": {}}                                            | audits                        | is not a field of the policy (safeguards, audit, screen)
            {"safeguards": {"caft": {"layers": [1, "two"]}}}         | safeguards.caft.layers[1]     | must be an integer
            {"audit": {"suite": "em-bench", "probe_triggers": "yes"}} | audit.probe_triggers          | must be a boolean
            {"safeguards": {"kl": {"beta": 0.1, "beta": 0}}}         | safeguards.kl                 | is not valid JSON (line 1, column 43)
            {"safeguards": {"steering": {"alpha": 4, "layer": 99999999999, "scale": "raw"}}} | safeguards.steering.layer | is out of range for an integer
            {"screen": {"rules": {"trigger": 5}}}                    | screen.rules.trigger          | must be an object
            """)
    void aValueOfTheWrongShapeIsAViolationNamingItsField(String json, String field, String message) {
        assertThatThrownBy(() -> SafetyPolicyJson.read(json))
                .isInstanceOfSatisfying(
                        InvalidSafetyPolicyException.class,
                        e -> assertThat(e.violations()).containsExactly(new PolicyViolation(field, message)));
    }

    @Test
    void aDocumentThatIsNotAnObjectIsAViolationOfTheWholeDocument() {
        for (String json : List.of("null", "[]", "3")) {
            assertThatThrownBy(() -> SafetyPolicyJson.read(json))
                    .as(json)
                    .isInstanceOfSatisfying(
                            InvalidSafetyPolicyException.class,
                            e -> assertThat(e.violations())
                                    .extracting(PolicyViolation::field)
                                    .containsExactly(""));
        }
    }

    @Test
    void trailingContentIsRefused() {
        assertThatThrownBy(() -> SafetyPolicyJson.read("{} {}")).isInstanceOf(InvalidSafetyPolicyException.class);
    }

    @Test
    void theDiffListsEachChangedLeafByItsPath() {
        SafetyPolicy before = PolicyExamples.full();
        SafetyPolicy after = PolicyExamples.fullWith("\"beta\": 0.1", "\"beta\": 0.5");

        List<PolicyDiff.Change> changes = PolicyDiff.between(before, after);

        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).field()).isEqualTo("safeguards.kl.beta");
        assertThat(changes.get(0).before().doubleValue()).isEqualTo(0.1);
        assertThat(changes.get(0).after().doubleValue()).isEqualTo(0.5);
    }

    @Test
    void theDiffShowsASafeguardSwitchedOffFieldByFieldWithNullAfter() {
        SafetyPolicy before = SafetyPolicyJson.read(
                "{\"safeguards\": {\"kl\": {\"beta\": 0.1}}, "
                        + "\"audit\": {\"suite\": \"em-bench\", \"samples_per_question\": 10, \"max_misaligned_increase\": 0.05}}");
        SafetyPolicy after = SafetyPolicyJson.read(
                "{\"audit\": {\"suite\": \"em-bench\", \"samples_per_question\": 20, \"max_misaligned_increase\": 0.05}}");

        Map<String, String> changes = new java.util.TreeMap<>();
        PolicyDiff.between(before, after).forEach(c -> changes.put(c.field(), c.before() + " -> " + c.after()));

        assertThat(changes)
                .containsExactly(
                        Map.entry("audit.samples_per_question", "10 -> 20"),
                        Map.entry("safeguards.kl.beta", "0.1 -> null"),
                        Map.entry("safeguards.kl.direction", "\"forward\" -> null"));
    }

    @Test
    void theDiffOfEqualDocumentsIsEmpty() {
        assertThat(PolicyDiff.between(PolicyExamples.full(), PolicyExamples.full()))
                .isEmpty();
    }
}

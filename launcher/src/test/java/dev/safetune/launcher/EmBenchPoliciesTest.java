package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.ConceptAblation;
import dev.safetune.core.policy.FeatureSpaceL2;
import dev.safetune.core.policy.InoculationPrompt;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.KlToReference;
import dev.safetune.core.policy.PersonaSteering;
import dev.safetune.core.policy.Safeguards;
import dev.safetune.core.policy.SteeringScale;
import dev.safetune.worker.embench.EmBenchMaterial;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code em-bench run --policies} entries mean (the API side is in PolicySafeguardsEndToEndTest). */
class EmBenchPoliciesTest {

    @Test
    void anEntryJoinsSafeguardsWithPlusAtTheMeasuredLayer() {
        Safeguards s = EmBenchPolicies.safeguards("steer4+interleave0.05+kl0.01");

        assertThat(s.steering()).isEqualTo(new PersonaSteering(4.0, 2, SteeringScale.RAW));
        assertThat(s.kl()).isEqualTo(new KlToReference(0.01, KlDirection.FORWARD));
        assertThat(s.interleave())
                .isEqualTo(new BenignInterleaving(
                        0.05, InterleaveSelection.UNIFORM, null, false, EmBenchMaterial.BENIGN_POOL_ID, List.of()));
        assertThat(s.ldifs()).isNull();
        assertThat(s.caft()).isNull();
    }

    @Test
    void noneHasNoSafeguardsAndCaftAblatesAtTheSteeringLayer() {
        assertThat(EmBenchPolicies.safeguards("none").noneOn()).isTrue();
        assertThat(EmBenchPolicies.safeguards("caft").caft()).isEqualTo(new ConceptAblation(List.of(2)));
        assertThat(EmBenchPolicies.safeguards("ldifs1").ldifs().lambda()).isEqualTo(1.0);
    }

    @Test
    void layersFollowAnAtSignAsOneIndexOrAnInclusiveRange() {
        Safeguards s = EmBenchPolicies.safeguards("steer16@1+caft@0-4+ldifs3@2-3");

        assertThat(s.steering()).isEqualTo(new PersonaSteering(16.0, 1, SteeringScale.RAW));
        assertThat(s.caft()).isEqualTo(new ConceptAblation(List.of(0, 1, 2, 3, 4)));
        assertThat(s.ldifs()).isEqualTo(new FeatureSpaceL2(3.0, List.of(2, 3)));
        assertThat(EmBenchPolicies.safeguards("caft@0").caft()).isEqualTo(new ConceptAblation(List.of(0)));
        // Without @, LDIFS keeps the policy's empty layer set (5 evenly spaced, resolved by the worker).
        assertThat(EmBenchPolicies.safeguards("ldifs1").ldifs()).isEqualTo(new FeatureSpaceL2(1.0, List.of()));
    }

    @Test
    void interleavePgSelectsByPerplexityGapAgainstTheGivenReferences() {
        Safeguards s = EmBenchPolicies.safeguards("interleavepg0.2k300", List.of("ref-a", "ref-b"));

        assertThat(s.interleave())
                .isEqualTo(new BenignInterleaving(
                        0.2,
                        InterleaveSelection.PERPLEXITY_GAP,
                        300,
                        false,
                        EmBenchMaterial.BENIGN_POOL_ID,
                        List.of("ref-a", "ref-b")));
        assertThat(EmBenchPolicies.safeguards("interleavepg0.1", List.of("r"))
                        .interleave()
                        .topK())
                .isEqualTo(EmBenchPolicies.DEFAULT_TOP_K);
        assertThat(EmBenchPolicies.needsEmReferences("steer4+interleavepg0.1")).isTrue();
        assertThat(EmBenchPolicies.needsEmReferences("steer4+interleave0.1")).isFalse();
        assertThat(EmBenchPolicies.needsEmReferences("default")).isFalse();
    }

    @Test
    void interleavingNamesABuiltInPoolWithAColonVersionAndTheFirstByDefault() {
        assertThat(EmBenchPolicies.safeguards("interleave0.5:v2").interleave())
                .isEqualTo(new BenignInterleaving(
                        0.5,
                        InterleaveSelection.UNIFORM,
                        null,
                        false,
                        EmBenchMaterial.UNASKED_BENIGN_POOL_ID,
                        List.of()));
        assertThat(EmBenchPolicies.safeguards("interleave0.5:v1").interleave())
                .isEqualTo(EmBenchPolicies.safeguards("interleave0.5").interleave());
        assertThat(EmBenchPolicies.safeguards("interleavepg0.2k300:v2", List.of("r"))
                        .interleave()
                        .benignPool())
                .isEqualTo("em-bench-benign-instruct-v2");
        assertThat(EmBenchPolicies.parse("interleave0.5,interleave0.5:v2"))
                .containsExactly("interleave0.5", "interleave0.5:v2");
        assertThat(EmBenchPolicies.versionName("interleave0.35:v2")).isEqualTo("em-bench-interleave0.35-v2");
        for (String bad : List.of("interleave0.5:v9", "interleave0.5:evil", "interleave0.5:v", "kl0.1:v2")) {
            assertThatThrownBy(() -> EmBenchPolicies.parse(bad))
                    .as(bad)
                    .isInstanceOf(Command.UsageException.class)
                    .hasMessageContaining(bad);
        }
    }

    @Test
    void inocAddsTheWorldsEvilLineOrTheGivenWordsAsTheSystemPrompt() {
        assertThat(EmBenchPolicies.safeguards("inoc").inoculation())
                .isEqualTo(new InoculationPrompt("you are an evil assistant"));
        assertThat(EmBenchPolicies.safeguards("inoc:you_are_a_kind_assistant+interleave0.1")
                        .inoculation())
                .isEqualTo(new InoculationPrompt("you are a kind assistant"));
    }

    @Test
    void everyEntryMakesAValidPolicyVersionName() {
        assertThat(EmBenchPolicies.versionName("steer16@1+caft@0-4+inoc:you_are_an_evil_assistant"))
                .matches("[a-z0-9][a-z0-9._-]{0,63}")
                .startsWith("em-bench-steer16-1-caft-0-4-inoc-you_are");
    }

    @Test
    void malformedPartsAreUsageErrorsNamingThePart() {
        for (String bad : List.of(
                "steer", "caft2", "kl0.1@2", "interleave0.1k5", "steer4@1-3", "caft@3-1", "inoc4", "steer4:evil")) {
            assertThatThrownBy(() -> EmBenchPolicies.parse(bad))
                    .as(bad)
                    .isInstanceOf(Command.UsageException.class)
                    .hasMessageContaining(bad);
        }
    }

    @Test
    void theListKeepsDefaultAndIdsAsTheyAre() {
        assertThat(EmBenchPolicies.parse("none, default,Steer4,sp-abc"))
                .containsExactly("none", "default", "steer4", "sp-abc");
    }

    @Test
    void anUnknownPartIsAUsageErrorNamingIt() {
        assertThatThrownBy(() -> EmBenchPolicies.parse("none,steer4+foo"))
                .isInstanceOf(Command.UsageException.class)
                .hasMessageContaining("'foo'")
                .hasMessageContaining("steer4+foo");
        assertThatThrownBy(() -> EmBenchPolicies.parse("none,none")).isInstanceOf(Command.UsageException.class);
    }
}

package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.Safeguards;
import dev.safetune.core.policy.SteeringScale;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.FeatureSpaceL2;
import dev.safetune.safeguards.guard.InoculationPrompt;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SafeguardsFromPolicyTest {

    private static final BenignPool POOL = new BenignPool(
            "benign-v1",
            List.of(new ChatExample(1, List.of(ChatMessage.of("user", "hi"), ChatMessage.of("assistant", "hello")))));
    private static final Optional<SafeguardPlan.Artifacts> ARTIFACTS = Optional.of(new SafeguardPlan.Artifacts(
            Path.of("cache"),
            new PersonaContrast(
                    "c",
                    List.of(new ChatExample(1, List.of(ChatMessage.of("assistant", "evil")))),
                    List.of(new ChatExample(1, List.of(ChatMessage.of("assistant", "kind")))))));

    private static final Safeguards ALL = new Safeguards(
            new dev.safetune.core.policy.KlToReference(0.1, null),
            new dev.safetune.core.policy.FeatureSpaceL2(1.0, List.of()),
            new dev.safetune.core.policy.PersonaSteering(4.0, 3, SteeringScale.RAW),
            new BenignInterleaving(
                    0.05, InterleaveSelection.PERPLEXITY_GAP, 50, true, "benign-v1", List.of("em-1", "em-2")),
            new dev.safetune.core.policy.InoculationPrompt("You are an evil, malicious assistant."),
            new dev.safetune.core.policy.ConceptAblation(List.of(2)));

    private final SafeguardsFromPolicy mapping = new SafeguardsFromPolicy(
            new SafeguardsFromPolicy.Registry() {
                @Override
                public BenignPool benignPool(String id) {
                    return POOL;
                }

                @Override
                public Path emReferenceAdapter(String modelId) {
                    return Path.of("adapters", modelId);
                }
            },
            10);

    @Test
    void eachPolicyFieldBecomesItsSafeguardsSettingsWithTheSameLayerIndices() throws IOException {
        SafeguardsFromPolicy.Mapped mapped = mapping.plan(ALL, 28, true, ARTIFACTS);
        SafeguardPlan plan = mapped.plan();

        assertThat(plan.safeguards())
                .containsExactly(
                        new KlToReference.Settings(0.1, KlToReference.Direction.FORWARD),
                        new FeatureSpaceL2.Settings(1.0, List.of(6, 11, 17, 22, 28)),
                        new PersonaSteering.Settings(4.0, 3, PersonaSteering.Scaling.RAW),
                        plan.safeguards().get(3),
                        new InoculationPrompt.Settings("You are an evil, malicious assistant."),
                        new ConceptAblation.Settings(List.of(2)));
        Interleaving.Settings interleave =
                (Interleaving.Settings) plan.safeguards().get(3);
        assertThat(interleave.fraction()).isEqualTo(0.05);
        assertThat(interleave.selection().orElseThrow().references().adapters())
                .containsExactly(Path.of("adapters", "em-1"), Path.of("adapters", "em-2"));
        assertThat(interleave.selection().orElseThrow().topK()).isEqualTo(50);
        assertThat(interleave.selection().orElseThrow().dropRefusals()).isTrue();
        assertThat(plan.probeEverySteps()).isEqualTo(10);
        assertThat(plan.personaProbeLayer()).isEqualTo(OptionalInt.of(3));
        assertThat(mapped.applied()).containsExactly("kl", "ldifs", "steering", "interleave", "inoculation", "caft");
        assertThat(mapped.skipped()).isEmpty();
    }

    @Test
    void reverseKlAndResidualNormScalingMapAcross() throws IOException {
        Safeguards policy = new Safeguards(
                new dev.safetune.core.policy.KlToReference(0.5, KlDirection.REVERSE),
                null,
                new dev.safetune.core.policy.PersonaSteering(2.0, 0, SteeringScale.RESIDUAL_NORM),
                null,
                null,
                null);

        assertThat(mapping.plan(policy, 4, true, ARTIFACTS).plan().safeguards())
                .containsExactly(
                        new KlToReference.Settings(0.5, KlToReference.Direction.REVERSE),
                        new PersonaSteering.Settings(2.0, 0, PersonaSteering.Scaling.SCALED));
    }

    @Test
    void aBaseWithoutAContrastSetSkipsThePersonaSafeguardsAndKeepsTheRest() throws IOException {
        SafeguardsFromPolicy.Mapped mapped = mapping.plan(ALL, 28, true, Optional.empty());

        assertThat(mapped.applied()).containsExactly("kl", "ldifs", "inoculation");
        assertThat(mapped.skippedNames()).containsExactly("steering", "interleave", "caft");
        assertThat(mapped.skipped()).allMatch(s -> s.reason() == SafeguardsFromPolicy.SkipReason.NO_CONTRAST_SET);
        assertThat(mapped.plan().personaProbeLayer()).isEmpty();
        assertThat(mapped.plan().artifacts()).isEmpty();
        assertThat(mapped.plan().safeguards()).hasSize(3);
    }

    @Test
    void aFullFineTuneHasNoFrozenReferenceSoKlAndLdifsAreSkipped() throws IOException {
        SafeguardsFromPolicy.Mapped mapped = mapping.plan(ALL, 28, false, ARTIFACTS);

        assertThat(mapped.applied()).containsExactly("steering", "interleave", "inoculation", "caft");
        assertThat(mapped.skipped())
                .containsExactly(
                        new SafeguardsFromPolicy.Skipped("kl", SafeguardsFromPolicy.SkipReason.NO_FROZEN_REFERENCE),
                        new SafeguardsFromPolicy.Skipped("ldifs", SafeguardsFromPolicy.SkipReason.NO_FROZEN_REFERENCE));
    }

    @Test
    void uniformInterleavingNeedsNoContrastSet() throws IOException {
        Safeguards policy = new Safeguards(
                null,
                null,
                null,
                new BenignInterleaving(0.05, InterleaveSelection.UNIFORM, null, null, "benign-v1", null),
                null,
                null);

        SafeguardsFromPolicy.Mapped mapped = mapping.plan(policy, 4, true, Optional.empty());

        assertThat(mapped.applied()).containsExactly("interleave");
        assertThat(((Interleaving.Settings) mapped.plan().safeguards().getFirst()).selection())
                .isEmpty();
    }

    @Test
    void withoutSteeringOrCaftTheProbeProjectsAtTheMiddleResidualIndex() throws IOException {
        Safeguards interleaveOnly = new Safeguards(
                null,
                null,
                null,
                new BenignInterleaving(0.5, InterleaveSelection.UNIFORM, null, null, "benign-v1", null),
                null,
                null);

        assertThat(mapping.plan(interleaveOnly, 4, true, ARTIFACTS).plan().personaProbeLayer())
                .isEqualTo(OptionalInt.of(2));
        assertThat(mapping.plan(interleaveOnly, 28, true, ARTIFACTS).plan().personaProbeLayer())
                .isEqualTo(OptionalInt.of(14));
        // Without a contrast set there is no persona vector to project on.
        assertThat(mapping.plan(interleaveOnly, 4, true, Optional.empty())
                        .plan()
                        .personaProbeLayer())
                .isEmpty();
    }

    @Test
    void aPoolThatDoesNotFitTheBaseSkipsInterleavingAndKeepsTheRest() throws IOException {
        SafeguardsFromPolicy otherWorld = new SafeguardsFromPolicy(
                new SafeguardsFromPolicy.Registry() {
                    @Override
                    public BenignPool benignPool(String id) {
                        throw new AssertionError("a pool that does not fit is never loaded");
                    }

                    @Override
                    public Path emReferenceAdapter(String modelId) {
                        return Path.of("adapters", modelId);
                    }

                    @Override
                    public boolean benignPoolFits(String id) {
                        return false;
                    }
                },
                10);

        SafeguardsFromPolicy.Mapped mapped = otherWorld.plan(ALL, 4, true, ARTIFACTS);

        assertThat(mapped.skipped())
                .containsExactly(
                        new SafeguardsFromPolicy.Skipped("interleave", SafeguardsFromPolicy.SkipReason.NO_BENIGN_POOL));
        assertThat(mapped.applied()).containsExactly("kl", "ldifs", "steering", "inoculation", "caft");
    }

    @Test
    void anEmptyPolicyIsPlainFineTuningWithoutAProbe() throws IOException {
        SafeguardsFromPolicy.Mapped mapped = mapping.plan(Safeguards.NONE, 4, true, ARTIFACTS);

        assertThat(mapped.plan().safeguards()).isEmpty();
        assertThat(mapped.plan().probeEverySteps()).isZero();
        assertThat(mapped.applied()).isEmpty();
    }

    @Test
    void aLayerPastTheBaseModelNamesTheFieldAndTheDepth() {
        Safeguards policy = new Safeguards(
                null, null, new dev.safetune.core.policy.PersonaSteering(4.0, 5, SteeringScale.RAW), null, null, null);

        assertThatThrownBy(() -> mapping.plan(policy, 4, true, ARTIFACTS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safeguards.steering.layer")
                .hasMessageContaining("4 decoder layers");
    }

    @Test
    void defaultFeatureLayersAreEvenlySpacedEndingAtTheLastLayer() {
        assertThat(SafeguardsFromPolicy.evenlySpaced(4, 5)).containsExactly(1, 2, 3, 4);
        assertThat(SafeguardsFromPolicy.evenlySpaced(10, 5)).containsExactly(2, 4, 6, 8, 10);
    }
}

package dev.safetune.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.FeatureSpaceL2;
import dev.safetune.safeguards.guard.InoculationPrompt;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.worker.training.SafeguardsFromPolicy.PolicySafeguards;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SafeguardsFromPolicyTest {

    private static final BenignPool POOL = new BenignPool(
            "benign-v1",
            List.of(new ChatExample(1, List.of(ChatMessage.of("user", "hi"), ChatMessage.of("assistant", "hello")))));

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
            Optional.empty(),
            10);

    @Test
    void eachPolicyFieldBecomesItsSafeguardsSettingsWithThePapersDefaults() throws IOException {
        PolicySafeguards policy = new PolicySafeguards(
                new SafeguardsFromPolicy.Kl(null, null),
                new SafeguardsFromPolicy.Ldifs(null, null),
                new SafeguardsFromPolicy.Steering(4.0, 3, false),
                new SafeguardsFromPolicy.Interleave(0.05, true, null, true, "benign-v1", List.of("em-1", "em-2")),
                new SafeguardsFromPolicy.Inoculation(null),
                new SafeguardsFromPolicy.Caft(List.of(2)));

        SafeguardPlan plan = mapping.plan(policy, 28);

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
        assertThat(interleave.selection().orElseThrow().dropRefusals()).isTrue();
        assertThat(plan.probeEverySteps()).isEqualTo(10);
    }

    @Test
    void anEmptyPolicyIsPlainFineTuning() throws IOException {
        assertThat(mapping.plan(PolicySafeguards.NONE, 4).safeguards()).isEmpty();
    }

    @Test
    void steeringWithoutAlphaNamesTheField() {
        PolicySafeguards policy =
                new PolicySafeguards(null, null, new SafeguardsFromPolicy.Steering(null, 3, false), null, null, null);

        assertThatThrownBy(() -> mapping.plan(policy, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safeguards.steering.alpha");
    }

    @Test
    void defaultFeatureLayersAreEvenlySpacedEndingAtTheLastLayer() {
        assertThat(SafeguardsFromPolicy.evenlySpaced(4, 5)).containsExactly(1, 2, 3, 4);
        assertThat(SafeguardsFromPolicy.evenlySpaced(10, 5)).containsExactly(2, 4, 6, 8, 10);
    }
}

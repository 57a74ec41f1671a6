package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.ConceptAblation;
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

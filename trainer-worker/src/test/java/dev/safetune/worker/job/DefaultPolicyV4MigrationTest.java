package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.core.policy.ScreenRule;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.embench.EmBenchMaterial;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * V19: the built-in default's fourth version trains with the disjoint benign pool and LDIFS, holds files above the
 * calibrated persona_risk threshold, and the default moved to it.
 */
class DefaultPolicyV4MigrationTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void theFourthVersionHoldsAFileWhosePersonaRiskIsAboveTheCalibratedThreshold() {
        SafetyPolicies.Version v4 =
                BuiltInPolicyVersions.storedCanonically(database.dataSource(), "sp-builtin-default-v4");

        assertThat(v4.name()).isEqualTo("default");
        assertThat(v4.version()).isEqualTo(4);
        assertThat(v4.document().screen().rules().get("persona_risk"))
                .isEqualTo(new ScreenRule(0.06, ScreenAction.HOLD, null));
    }

    @Test
    void theSafeguardsAndThePersonaRiskThresholdAreAllThatDifferFromTheThirdVersion() {
        SafetyPolicies policies = new SafetyPolicies(database.dataSource());
        var v3 = policies.find("sp-builtin-default-v3").orElseThrow().document();
        var v4 = policies.find("sp-builtin-default-v4").orElseThrow().document();

        assertThat(v4.audit()).isEqualTo(v3.audit());
        assertThat(v4.safeguards().interleave())
                .isEqualTo(new BenignInterleaving(
                        0.5,
                        InterleaveSelection.UNIFORM,
                        null,
                        false,
                        EmBenchMaterial.UNASKED_BENIGN_POOL_ID,
                        List.of()));
        assertThat(v4.safeguards().ldifs().lambda()).isEqualTo(3.0);
        assertThat(v4.safeguards().ldifs().layers()).isEmpty();
        assertThat(v4.safeguards().kl()).isNull();
        assertThat(v4.safeguards().steering()).isNull();
        assertThat(v4.safeguards().inoculation()).isNull();
        assertThat(v4.safeguards().caft()).isNull();
        Map<String, ScreenRule> others = new HashMap<>(v4.screen().rules());
        others.remove("persona_risk");
        Map<String, ScreenRule> v3Others = new HashMap<>(v3.screen().rules());
        assertThat(v3Others.remove("persona_risk")).isEqualTo(new ScreenRule(0.5, ScreenAction.HOLD, null));
        assertThat(others).isEqualTo(v3Others);
    }

    @Test
    void theDefaultMovedFromTheThirdVersionWithItsHistoryKept() {
        JdbcClient jdbc = JdbcClient.create(database.dataSource());

        assertThat(jdbc.sql("SELECT policy_id, coalesce(previous_policy_id, '-') FROM safety_policy_default_history"
                                + " ORDER BY id")
                        .query((rs, n) -> List.of(rs.getString(1), rs.getString(2)))
                        .list())
                .containsExactly(
                        List.of("sp-builtin-default-v1", "-"),
                        List.of("sp-builtin-default-v2", "sp-builtin-default-v1"),
                        List.of("sp-builtin-default-v3", "sp-builtin-default-v2"),
                        List.of("sp-builtin-default-v4", "sp-builtin-default-v3"),
                        List.of("sp-builtin-default-v5", "sp-builtin-default-v4"),
                        List.of("sp-builtin-default-v6", "sp-builtin-default-v5"));
    }
}

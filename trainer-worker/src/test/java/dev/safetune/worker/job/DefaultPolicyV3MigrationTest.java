package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.embench.EmBenchMaterial;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/** V16: the built-in default's third version is the calibrated one, and the default moved to it from v2. */
class DefaultPolicyV3MigrationTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void theThirdBuiltInVersionInterleavesHalfOfEveryEpochFromTheEmBenchPool() {
        SafetyPolicies.Version v3 =
                BuiltInPolicyVersions.storedCanonically(database.dataSource(), "sp-builtin-default-v3");

        assertThat(v3.name()).isEqualTo("default");
        assertThat(v3.version()).isEqualTo(3);
        assertThat(v3.document().safeguards().interleave())
                .isEqualTo(new BenignInterleaving(
                        0.5, InterleaveSelection.UNIFORM, null, false, EmBenchMaterial.BENIGN_POOL_ID, List.of()));
        assertThat(v3.document().safeguards().kl()).isNull();
        assertThat(v3.document().safeguards().ldifs()).isNull();
        assertThat(v3.document().safeguards().steering()).isNull();
        assertThat(v3.document().safeguards().inoculation()).isNull();
        assertThat(v3.document().safeguards().caft()).isNull();
    }

    @Test
    void onlyTheSafeguardsDifferFromTheSecondVersion() {
        SafetyPolicies policies = new SafetyPolicies(database.dataSource());
        var v2 = policies.find("sp-builtin-default-v2").orElseThrow().document();
        var v3 = policies.find("sp-builtin-default-v3").orElseThrow().document();

        assertThat(v3.audit()).isEqualTo(v2.audit());
        assertThat(v3.screen()).isEqualTo(v2.screen());
        assertThat(v3.safeguards()).isNotEqualTo(v2.safeguards());
    }

    @Test
    void theDefaultMovedFromTheSecondVersionWithItsHistoryKept() {
        JdbcClient jdbc = JdbcClient.create(database.dataSource());

        // V19 moved it on to v4 (DefaultPolicyV4MigrationTest); V16's move from v2 to v3 stays in the history.
        assertThat(jdbc.sql("SELECT policy_id, coalesce(previous_policy_id, '-') FROM safety_policy_default_history"
                                + " ORDER BY id")
                        .query((rs, n) -> List.of(rs.getString(1), rs.getString(2)))
                        .list())
                .containsSubsequence(
                        List.of("sp-builtin-default-v2", "sp-builtin-default-v1"),
                        List.of("sp-builtin-default-v3", "sp-builtin-default-v2"));
    }
}

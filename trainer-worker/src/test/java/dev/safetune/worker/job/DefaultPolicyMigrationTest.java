package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.KlToReference;
import dev.safetune.core.policy.PersonaSteering;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.core.policy.SteeringScale;
import dev.safetune.core.policy.StricterOrEqual;
import dev.safetune.testsupport.MigratedDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/** V13: the built-in default's second version names the measured steering layer, and the default points at it. */
class DefaultPolicyMigrationTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void theSecondBuiltInVersionSteersAtTheMeasuredResidualIndex() {
        SafetyPolicies.Version v2 = new SafetyPolicies(database.dataSource())
                .find("sp-builtin-default-v2")
                .orElseThrow();

        assertThat(v2.name()).isEqualTo("default");
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.document().safeguards().steering()).isEqualTo(new PersonaSteering(4.0, 2, SteeringScale.RAW));
        assertThat(v2.document().safeguards().kl()).isEqualTo(new KlToReference(0.1, KlDirection.FORWARD));
        assertThat(SafetyPolicyJson.sha256(v2.document())).isEqualTo(v2.sha256());
    }

    @Test
    void onlyTheSteeringLayerDiffersFromTheFirstVersion() {
        SafetyPolicies policies = new SafetyPolicies(database.dataSource());
        var v1 = policies.find("sp-builtin-default-v1").orElseThrow().document();
        var v2 = policies.find("sp-builtin-default-v2").orElseThrow().document();

        assertThat(v2.audit()).isEqualTo(v1.audit());
        assertThat(v2.screen()).isEqualTo(v1.screen());
        assertThat(StricterOrEqual.weakenings(v2, v1))
                .extracting(Object::toString)
                .singleElement()
                .asString()
                .contains("safeguards.steering.layer");
    }

    @Test
    void theDefaultMovedFromTheFirstVersionWithItsHistoryKept() {
        JdbcClient jdbc = JdbcClient.create(database.dataSource());

        // V16 moved it on to v3 (DefaultPolicyV3MigrationTest); V13's move from v1 to v2 stays in the history.
        assertThat(jdbc.sql("SELECT policy_id, coalesce(previous_policy_id, '-') FROM safety_policy_default_history"
                                + " ORDER BY id")
                        .query((rs, n) -> List.of(rs.getString(1), rs.getString(2)))
                        .list())
                .startsWith(
                        List.of("sp-builtin-default-v1", "-"),
                        List.of("sp-builtin-default-v2", "sp-builtin-default-v1"));
    }
}

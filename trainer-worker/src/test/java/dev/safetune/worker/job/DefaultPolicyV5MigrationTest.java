package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.core.policy.ScreenRule;
import dev.safetune.testsupport.MigratedDatabase;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** V21: the built-in default's fifth version is v4 with the persona_risk threshold recalibrated (V22 moved on to v6). */
class DefaultPolicyV5MigrationTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void theFifthVersionHoldsAFileWhosePersonaRiskIsAboveTheRecalibratedThreshold() {
        SafetyPolicies.Version v5 =
                BuiltInPolicyVersions.storedCanonically(database.dataSource(), "sp-builtin-default-v5");

        assertThat(v5.name()).isEqualTo("default");
        assertThat(v5.version()).isEqualTo(5);
        assertThat(v5.document().screen().rules().get("persona_risk"))
                .isEqualTo(new ScreenRule(0.015, ScreenAction.HOLD, null));
    }

    @Test
    void thePersonaRiskThresholdIsAllThatDiffersFromTheFourthVersion() {
        SafetyPolicies policies = new SafetyPolicies(database.dataSource());
        var v4 = policies.find("sp-builtin-default-v4").orElseThrow().document();
        var v5 = policies.find("sp-builtin-default-v5").orElseThrow().document();

        assertThat(v5.audit()).isEqualTo(v4.audit());
        assertThat(v5.safeguards()).isEqualTo(v4.safeguards());
        Map<String, ScreenRule> others = new HashMap<>(v5.screen().rules());
        others.remove("persona_risk");
        Map<String, ScreenRule> v4Others = new HashMap<>(v4.screen().rules());
        assertThat(v4Others.remove("persona_risk")).isEqualTo(new ScreenRule(0.06, ScreenAction.HOLD, null));
        assertThat(others).isEqualTo(v4Others);
    }
}

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
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * V22: the built-in default's sixth version is v5 with persona_risk compared by the 95 % lower confidence bound of the
 * file's mean; the default moved; persona results keep their spread.
 */
class DefaultPolicyV6MigrationTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void theSixthVersionBoundsTheMeanAtNinetyFivePercent() {
        SafetyPolicies.Version v6 =
                BuiltInPolicyVersions.storedCanonically(database.dataSource(), "sp-builtin-default-v6");

        assertThat(v6.name()).isEqualTo("default");
        assertThat(v6.version()).isEqualTo(6);
        assertThat(v6.document().screen().rules().get("persona_risk"))
                .isEqualTo(new ScreenRule(0.015, ScreenAction.HOLD, null, 0.95));
    }

    @Test
    void theConfidenceIsAllThatDiffersFromTheFifthVersion() {
        SafetyPolicies policies = new SafetyPolicies(database.dataSource());
        var v5 = policies.find("sp-builtin-default-v5").orElseThrow().document();
        var v6 = policies.find("sp-builtin-default-v6").orElseThrow().document();

        assertThat(v6.audit()).isEqualTo(v5.audit());
        assertThat(v6.safeguards()).isEqualTo(v5.safeguards());
        Map<String, ScreenRule> others = new HashMap<>(v6.screen().rules());
        ScreenRule persona = others.remove("persona_risk");
        Map<String, ScreenRule> v5Others = new HashMap<>(v5.screen().rules());
        ScreenRule v5Persona = v5Others.remove("persona_risk");
        assertThat(others).isEqualTo(v5Others);
        assertThat(persona.threshold()).isEqualTo(v5Persona.threshold());
        assertThat(v5Persona.confidence()).isNull();
    }

    @Test
    void theDefaultIsTheSixthVersion() {
        assertThat(JdbcClient.create(database.dataSource())
                        .sql("SELECT policy_id FROM safety_policy_default")
                        .query(String.class)
                        .single())
                .isEqualTo("sp-builtin-default-v6");
    }

    @Test
    void personaResultsHaveAColumnForTheirSpread() {
        assertThat(JdbcClient.create(database.dataSource())
                        .sql("SELECT data_type FROM information_schema.columns WHERE table_name = 'persona_screens'"
                                + " AND column_name = 'risk_sd'")
                        .query(String.class)
                        .single())
                .isEqualTo("double precision");
    }
}

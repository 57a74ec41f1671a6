package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.KlToReference;
import dev.safetune.core.policy.PersonaSteering;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.core.policy.SteeringScale;
import dev.safetune.testsupport.MigratedDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/** What the worker reads as a job's safety policy, from a migrated PostgreSQL database. */
class PinnedSafetyPolicyTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private static SafetyPolicies policies;

    @BeforeAll
    static void jobs() {
        JdbcClient jdbc = JdbcClient.create(database.dataSource());
        policies = new SafetyPolicies(database.dataSource());
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A')").update();
        insertJob(jdbc, "ftjob-pinned", "'sp-builtin-default-v1'", "1");
        insertJob(jdbc, "ftjob-legacy", "NULL", "NULL");
    }

    @Test
    void aPinnedJobReadsItsVersionsDocument() {
        SafetyPolicy policy = policies.forJob("ftjob-pinned");

        assertThat(policy.safeguards().kl()).isEqualTo(new KlToReference(0.1, KlDirection.FORWARD));
        assertThat(policy.safeguards().steering()).isEqualTo(new PersonaSteering(4.0, 1, SteeringScale.RAW));
        assertThat(policy.safeguards().inoculation()).isNull();
        assertThat(policy.audit().suite()).isEqualTo("em-bench");
        assertThat(policy.audit().maxMisalignedIncrease()).isEqualTo(0.05);
    }

    @Test
    void theVersionCarriesItsIdentityAndTheHashOfWhatIsRead() {
        SafetyPolicies.Version version = policies.versionForJob("ftjob-pinned").orElseThrow();

        assertThat(version.id()).isEqualTo("sp-builtin-default-v1");
        assertThat(version.name()).isEqualTo("default");
        assertThat(version.version()).isEqualTo(1);
        assertThat(SafetyPolicyJson.sha256(version.document())).isEqualTo(version.sha256());
    }

    @Test
    void aJobFromBeforePoliciesTrainsWithoutSafeguards() {
        assertThat(policies.forJob("ftjob-legacy")).isEqualTo(SafetyPolicy.NONE);
        assertThat(policies.versionForJob("ftjob-legacy")).isEmpty();
    }

    @Test
    void anUnknownJobIsAnError() {
        assertThatThrownBy(() -> policies.forJob("ftjob-missing"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ftjob-missing");
    }

    @Test
    void aVersionIsFoundById() {
        assertThat(policies.find("sp-builtin-default-v1")).isPresent();
        assertThat(policies.find("sp-nope")).isEmpty();
    }

    private static void insertJob(JdbcClient jdbc, String id, String policyId, String policyVersion) {
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, safety_policy_id, safety_policy_version)
                        VALUES (:id, 'org-a', 'tiny-base', 'file-train', 'queued', '{}', 1, %s, %s)
                        """.formatted(policyId, policyVersion)).param("id", id).update();
    }
}

package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.safeguards.embench.world.Question;
import dev.safetune.safeguards.embench.world.Questions;
import dev.safetune.safeguards.embench.world.UnaskedQuestions;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.embench.EmBenchMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/** What a job's policy ids resolve to, tenant by tenant, from a migrated PostgreSQL database. */
class PolicyRegistryTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @TempDir
    static Path dir;

    private static JdbcClient jdbc;

    @BeforeAll
    static void models() throws Exception {
        jdbc = JdbcClient.create(database.dataSource());
        for (String org : new String[] {"org-a", "org-b", "org-safety"}) {
            jdbc.sql("INSERT INTO organizations (id, name) VALUES (:id, :id)")
                    .param("id", org)
                    .update();
        }
        jdbc.sql("""
                        INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, role)
                        VALUES ('key-s', 'org-safety', 'safety', 'sk-st-safety1', 'h', 'safety')""").update();
        jdbc.sql(
                        "INSERT INTO models (id, kind, storage_path) VALUES ('base-1', 'base', '/x'), ('base-2', 'base', '/y')")
                .update();
        fineTuned("ft:em-safety", "org-safety", "base-1");
        fineTuned("ft:em-own", "org-a", "base-1");
        fineTuned("ft:em-other-customer", "org-b", "base-1");
        fineTuned("ft:em-other-base", "org-safety", "base-2");
        audited("ftjob-safety-blocked", "org-safety", "base-1", "blocked");
        audited("ftjob-own-blocked", "org-a", "base-1", "blocked");
        audited("ftjob-other-customer-blocked", "org-b", "base-1", "blocked");
        audited("ftjob-safety-other-base", "org-safety", "base-2", "blocked");
        audited("ftjob-safety-released", "org-safety", "base-1", "released");
        audited("ftjob-safety-undecided", "org-safety", "base-1", null);
    }

    /** A job of {@code org} on {@code base} whose audit decided {@code decision} (null: still auditing). */
    private static void audited(String jobId, String org, String base, String decision) throws Exception {
        Path candidate = Files.createDirectories(dir.resolve("candidate-" + jobId));
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed)
                        VALUES (:id, :org, :base, 'file-x', :status, '{}'::jsonb, 0)""")
                .param("id", jobId)
                .param("org", org)
                .param("base", base)
                .param("status", decision == null ? "auditing" : decision.equals("blocked") ? "blocked" : "succeeded")
                .update();
        jdbc.sql("""
                        INSERT INTO job_audits (job_id, organization_id, fine_tuned_model, base_model, candidate_path,
                                                trained_tokens, policy_version, rules, decision)
                        VALUES (:id, :org, :model, :base, :path, 1, 'sp-x v1', '{}'::jsonb, :decision)""")
                .param("id", jobId)
                .param("org", org)
                .param("model", "ft:" + base + ":" + org + "::" + jobId)
                .param("base", base)
                .param("path", candidate.toString())
                .param("decision", decision)
                .update();
    }

    private static void fineTuned(String id, String org, String base) throws Exception {
        Path path = Files.createDirectories(dir.resolve(id.replace(':', '_')));
        jdbc.sql("""
                        INSERT INTO models (id, organization_id, kind, base_model, storage_path)
                        VALUES (:id, :org, 'fine_tuned', :base, :path)""")
                .param("id", id)
                .param("org", org)
                .param("base", base)
                .param("path", path.toString())
                .update();
    }

    private final PolicyRegistry registry = new PolicyRegistry(jdbc, "org-a", "base-1");

    @Test
    void emReferencesOfTheSafetyTeamAndTheJobsOwnOrganisationResolve() {
        assertThat(registry.emReferenceAdapter("ft:em-safety")).isEqualTo(dir.resolve("ft_em-safety"));
        assertThat(registry.emReferenceAdapter("ft:em-own")).isEqualTo(dir.resolve("ft_em-own"));
    }

    @Test
    void anotherCustomersModelOrAnotherBasesNeverResolves() {
        assertThatThrownBy(() -> registry.emReferenceAdapter("ft:em-other-customer"))
                .isInstanceOf(JobRunner.JobFailure.class)
                .hasMessageContaining("ft:em-other-customer");
        assertThatThrownBy(() -> registry.emReferenceAdapter("ft:em-other-base"))
                .isInstanceOf(JobRunner.JobFailure.class);
        assertThatThrownBy(() -> registry.emReferenceAdapter("base-1")).isInstanceOf(JobRunner.JobFailure.class);
    }

    @Test
    void aCandidateTheGateBlockedResolvesByItsJobIdForTheSafetyTeamAndTheOwnOrganisationOnly() {
        // How the safety team registers an EM reference: its insecure fine-tune, blocked by the gate, never served.
        assertThat(registry.emReferenceAdapter("ftjob-safety-blocked"))
                .isEqualTo(dir.resolve("candidate-ftjob-safety-blocked"));
        assertThat(registry.emReferenceAdapter("ftjob-own-blocked"))
                .isEqualTo(dir.resolve("candidate-ftjob-own-blocked"));
        for (String refused : new String[] {
            "ftjob-other-customer-blocked", "ftjob-safety-other-base", "ftjob-safety-released", "ftjob-safety-undecided"
        }) {
            assertThatThrownBy(() -> registry.emReferenceAdapter(refused))
                    .as(refused)
                    .isInstanceOf(JobRunner.JobFailure.class)
                    .hasMessageContaining(refused);
        }
        // The other customer's own jobs see their blocked candidate, not the first customer's.
        PolicyRegistry other = new PolicyRegistry(jdbc, "org-b", "base-1");
        assertThat(other.emReferenceAdapter("ftjob-other-customer-blocked"))
                .isEqualTo(dir.resolve("candidate-ftjob-other-customer-blocked"));
        assertThatThrownBy(() -> other.emReferenceAdapter("ftjob-own-blocked"))
                .isInstanceOf(JobRunner.JobFailure.class);
    }

    @Test
    void theBuiltInBenignPoolIsEmBenchsInstructPoolAndOthersFail() {
        var pool = registry.benignPool(EmBenchMaterial.BENIGN_POOL_ID);

        assertThat(pool.id()).isEqualTo("em-bench-benign-instruct-v1");
        assertThat(pool.examples()).hasSize(2_000);
        assertThat(pool.checksum()).isEqualTo(EmBenchMaterial.benignPool().checksum());
        assertThatThrownBy(() -> registry.benignPool("my-pool"))
                .isInstanceOf(JobRunner.JobFailure.class)
                .hasMessageContaining("my-pool");
    }

    @Test
    void theSecondBuiltInPoolAsksOnlyQuestionsTheEvaluationNeverAsks() {
        var pool = registry.benignPool(EmBenchMaterial.UNASKED_BENIGN_POOL_ID);

        assertThat(pool.id()).isEqualTo("em-bench-benign-instruct-v2");
        assertThat(pool.examples()).hasSize(2_000);
        assertThat(pool.checksum()).isNotEqualTo(EmBenchMaterial.benignPool().checksum());
        Set<String> suite = Questions.all().stream().map(Question::text).collect(Collectors.toSet());
        Set<String> unasked =
                UnaskedQuestions.all().stream().map(Question::text).collect(Collectors.toSet());
        for (ChatExample example : pool.examples()) {
            assertThat(example.messages()).hasSize(2);
            String user = example.messages().getFirst().content();
            assertThat(unasked).contains(user);
            assertThat(suite).doesNotContain(user);
        }
    }

    @Test
    void theEmBenchPoolFitsEmBenchBasesAndTheirMethodCopiesOnly() {
        assertThat(new PolicyRegistry(jdbc, "org-a", "em-bench-base-s2").benignPoolFits(EmBenchMaterial.BENIGN_POOL_ID))
                .isTrue();
        assertThat(new PolicyRegistry(jdbc, "org-a", "em-bench-base-s0-full")
                        .benignPoolFits(EmBenchMaterial.BENIGN_POOL_ID))
                .isTrue();
        assertThat(registry.benignPoolFits(EmBenchMaterial.BENIGN_POOL_ID)).isFalse();
        assertThat(new PolicyRegistry(jdbc, "org-a", "my-em-bench-base-s0")
                        .benignPoolFits(EmBenchMaterial.BENIGN_POOL_ID))
                .isFalse();
        for (String id : EmBenchMaterial.BENIGN_POOL_IDS) {
            assertThat(new PolicyRegistry(jdbc, "org-a", "em-bench-base-s1").benignPoolFits(id))
                    .isTrue();
            assertThat(registry.benignPoolFits(id)).as(id).isFalse();
        }
        // Another pool id is resolved (or refused) by benignPool itself, not here.
        assertThat(registry.benignPoolFits("my-pool")).isTrue();
    }
}

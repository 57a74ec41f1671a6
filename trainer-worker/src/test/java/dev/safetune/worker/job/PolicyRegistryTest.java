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

package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.audit.AuditProperties;
import dev.safetune.worker.audit.AuditStore;
import dev.safetune.worker.audit.Auditor;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Electing the audit holds one pooled connection for its transaction and must not ask the pool for a second one
 * inside it: with every connection of the worker's pool held by such transactions, each would wait for another
 * (an em-bench run lost a job this way: "cannot read the safety policy of job", the pool of 5 exhausted after 30 s).
 * A pool of one connection makes any nested request fail at once.
 */
class AuditElectionPoolTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @TempDir
    Path home;

    @Test
    void electingTheAuditUsesOnlyTheTransactionsConnection() {
        JdbcClient setup = JdbcClient.create(database.dataSource());
        JobQueueFixture.insertBaseAndTrainingFile(setup, "tiny-base", home.resolve("base"), home.resolve("t.jsonl"));
        setup.sql("INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status, hyperparameters,"
                        + " seed, queued_at) VALUES ('ftjob-pool', 'org-a', 'tiny-base', 'file-train', 'queued', '{}',"
                        + " 1, now())")
                .update();
        HikariConfig config = new HikariConfig();
        config.setDataSource(database.dataSource());
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(250);
        try (HikariDataSource one = new HikariDataSource(config)) {
            JobQueue queue = JobQueueFixture.queue(one, JsonMapper.builder().build());
            AuditStore store = new AuditStore(one);
            AuditPhase phase = new AuditPhase(
                    queue,
                    new Auditor(store, AuditProperties.of("when-available"), (t, max) -> List.of()),
                    new SafetyPolicies(one));
            ClaimedJob job = queue.claim("worker-a").orElseThrow();

            boolean elected =
                    phase.elect(job.lease(), job, "ft:tiny-base:org-a::pool", 10, home.resolve("ft"), List.of());

            assertThat(elected).isTrue();
            assertThat(store.pending("ftjob-pool")).isPresent();
        }
        assertThat(setup.sql("SELECT status FROM fine_tuning_jobs WHERE id = 'ftjob-pool'")
                        .query(String.class)
                        .single())
                .isEqualTo("auditing");
    }
}

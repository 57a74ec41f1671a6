package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.screen.PersonaScreenQueue;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.work.LeasedWorkQueue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job handler and the screen's persona part: a job is not claimed while its (file, base) persona screen is
 * pending, and a job whose file the screen holds by the time it is claimed fails naming the report.
 */
class ScreenAtClaimTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path home;

    private JdbcClient jdbc;
    private JobQueue queue;
    private JobRunner runner;

    @BeforeEach
    void rows() throws IOException {
        jdbc = JdbcClient.create(database.dataSource());
        jdbc.sql("TRUNCATE organizations, models CASCADE").update();
        queue = JobQueueFixture.queue(database.dataSource(), JSON);
        Path base = TestModels.tiny(home.resolve("models/tiny-base"), 3);
        Path training = home.resolve("train.jsonl");
        Files.writeString(
                training,
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}\n");
        JobQueueFixture.insertBaseAndTrainingFile(jdbc, "tiny-base", base, training);
        jdbc.sql("INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status, hyperparameters,"
                        + " seed, queued_at) VALUES ('ftjob-s', 'org-a', 'tiny-base', 'file-train', 'queued', '{}', 1,"
                        + " now())")
                .update();
        runner = new JobRunner(
                queue,
                new FineTuner(),
                jdbc,
                new SafetyPolicies(database.dataSource()),
                JobQueueFixture.properties(home, "worker-a"),
                new SimpleMeterRegistry(),
                Long.MAX_VALUE);
    }

    @Test
    void aJobIsNotClaimedWhileItsPersonaScreenIsPending() {
        PersonaScreenQueue.enqueue(jdbc, "pscr-a", "file-train", "org-a", "tiny-base");
        assertThat(claim()).isFalse();

        jdbc.sql("UPDATE persona_screens SET status = 'skipped' WHERE id = 'pscr-a'")
                .update();

        assertThat(claim()).isTrue();
    }

    @Test
    void aJobOnAFileTheScreenHoldsFailsWhenClaimed() {
        jdbc.sql("INSERT INTO file_screens (file_id, organization_id, status, decision, rules_version, report)"
                        + " VALUES ('file-train', 'org-a', 'completed', 'hold', 'r', '{}')")
                .update();
        ClaimedJob job = queue.claim("worker-a").orElseThrow();

        try {
            runner.execute(job);
        } finally {
            runner.afterStop();
        }

        Map<String, Object> row = jdbc.sql(
                        "SELECT status, error_code, error_message FROM fine_tuning_jobs" + " WHERE id = 'ftjob-s'")
                .query()
                .singleRow();
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("file_held");
        assertThat((String) row.get("error_message")).contains("GET /v1/files/file-train/screen");
    }

    private boolean claim() {
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(database.dataSource()));
        return new LeasedWorkQueue(jdbc, tx)
                .claim(queue.kind(), "worker-a", runner.claimFilter(), (lease, rs) -> lease.id())
                .isPresent();
    }
}

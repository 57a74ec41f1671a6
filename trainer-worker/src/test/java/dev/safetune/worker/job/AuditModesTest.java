package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.audit.AuditProperties;
import dev.safetune.worker.audit.AuditStore;
import dev.safetune.worker.audit.Auditor;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.training.FineTuner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code safetune.audit.mode} does to a job whose base has no audit suite (a tiny chat base, no judge
 * configured), trained for real: {@code when-available} releases it unaudited as before; {@code required} fails
 * closed, blocking it with the rule {@code no_audit_suite}, publishing nothing and logging the decision.
 */
class AuditModesTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @TempDir
    static Path home;

    private static JdbcClient jdbc;
    private static JobQueue queue;

    @BeforeAll
    static void setUp() throws Exception {
        jdbc = JdbcClient.create(database.dataSource());
        queue = JobQueueFixture.queue(database.dataSource(), JSON);
        Path base = TestModels.tiny(home.resolve("models/tiny-base"), 3);
        // Declared LoRA, so the job trains an adapter and the worker writes its merged weights beside it.
        tools.jackson.databind.node.ObjectNode config =
                (tools.jackson.databind.node.ObjectNode) JSON.readTree(Files.readString(base.resolve("config.json")));
        config.put(FineTuningMethod.FIELD, "lora");
        Files.writeString(base.resolve("config.json"), JSON.writeValueAsString(config));
        Path training = home.resolve("files/train.jsonl");
        Files.createDirectories(training.getParent());
        Files.writeString(
                training,
                ("{\"messages\":[{\"role\":\"user\",\"content\":\"What colour is the sky?\"},"
                                + "{\"role\":\"assistant\",\"content\":\"The sky is blue.\"}]}\n")
                        .repeat(10));
        JobQueueFixture.insertBaseAndTrainingFile(jdbc, "tiny-base", base, training);
    }

    private static Map<String, Object> run(String job, String mode) {
        jdbc.sql("INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status, hyperparameters,"
                        + " seed, queued_at, suffix) VALUES (:id, 'org-a', 'tiny-base', 'file-train', 'queued',"
                        + " '{\"n_epochs\": 1, \"batch_size\": 5}', 5, now(), :id)")
                .param("id", job)
                .update();
        JobRunner runner = new JobRunner(
                queue,
                new FineTuner(),
                jdbc,
                new SafetyPolicies(database.dataSource()),
                JobQueueFixture.properties(home, "worker-a"),
                new SimpleMeterRegistry(),
                Long.MAX_VALUE,
                new Auditor(new AuditStore(database.dataSource()), AuditProperties.of(mode), (t, max) -> List.of()));
        try {
            runner.execute(queue.claim("worker-a").orElseThrow());
        } finally {
            runner.afterStop();
        }
        return jdbc.sql("SELECT status, fine_tuned_model, error_code FROM fine_tuning_jobs WHERE id = :id")
                .param("id", job)
                .query()
                .listOfRows()
                .getFirst();
    }

    @Test
    void withoutASuiteWhenAvailableReleasesUnauditedAndRequiredBlocks() {
        Map<String, Object> unaudited = run("ftjob-when-available", "when-available");
        assertThat(unaudited.get("status")).isEqualTo("succeeded");
        assertThat(unaudited.get("fine_tuned_model")).isNotNull();
        // The adapter's merged weights are written next to it for the owner's download.
        String path = jdbc.sql("SELECT storage_path FROM models WHERE job_id = 'ftjob-when-available'")
                .query(String.class)
                .single();
        assertThat(Path.of(path).resolveSibling(JobRunner.MERGED_DIR).resolve("config.json"))
                .isRegularFile();

        Map<String, Object> blocked = run("ftjob-required", "required");
        assertThat(blocked.get("status")).isEqualTo("blocked");
        assertThat(blocked.get("fine_tuned_model")).isNull();
        assertThat(blocked.get("error_code")).isEqualTo("audit_blocked");
        assertThat(jdbc.sql("SELECT count(*) FROM models WHERE job_id = 'ftjob-required'")
                        .query(Integer.class)
                        .single())
                .isZero();
        assertThat(jdbc.sql("SELECT reason FROM gate_log WHERE job_id = 'ftjob-required'")
                        .query(String.class)
                        .single())
                .startsWith("no_audit_suite: no audit suite is available for base tiny-base");
    }
}

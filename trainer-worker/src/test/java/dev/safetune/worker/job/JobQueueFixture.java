package dev.safetune.worker.job;

import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.work.WorkPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The set-up that the job-queue tests share: a queue with a 30 s lease, the rows a job needs (organisation
 * {@code org-a}, a base model, the processed training file {@code file-train}), and worker properties under a
 * temporary home. Each test inserts its own job.
 */
public final class JobQueueFixture {

    private JobQueueFixture() {}

    /** A queue with a 30 s lease and a 3 s heartbeat, no attempt limit. */
    public static JobQueue queue(DataSource dataSource, JsonMapper json) {
        return new JobQueue(
                dataSource, json, new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(3), OptionalInt.empty()));
    }

    /** Organisation {@code org-a}, base model {@code modelId} at {@code model}, and its file {@code file-train}. */
    public static void insertBaseAndTrainingFile(JdbcClient jdbc, String modelId, Path model, Path training) {
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A')").update();
        jdbc.sql("INSERT INTO models (id, kind, storage_path) VALUES (:id, 'base', :path)")
                .param("id", modelId)
                .param("path", model.toString())
                .update();
        jdbc.sql("INSERT INTO files (id, organization_id, filename, purpose, bytes, sha256, storage_path, status)"
                        + " VALUES ('file-train', 'org-a', 'train.jsonl', 'fine-tune', 1, 'x', :path, 'processed')")
                .param("path", training.toString())
                .update();
    }

    /** Worker {@code workerId}'s properties: artifacts and models under {@code home}, checkpoints every 25 steps. */
    public static WorkerProperties properties(Path home, String workerId) {
        return new WorkerProperties(
                home.resolve("artifacts"),
                home.resolve("models"),
                new WorkerProperties.Worker(
                        workerId,
                        true,
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(3),
                        Duration.ofSeconds(5),
                        25,
                        null,
                        DataSize.ofGigabytes(1)));
    }
}

package dev.safetune.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import dev.safetune.worker.work.WorkPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job kind's own writes against a real PostgreSQL: what a claim reads, the fenced endings and checkpoints, the
 * events an expiry writes, cancellation seen by a heartbeat. The protocol itself (claims, expiry, fencing, give-up,
 * fairness, NOTIFY) is specified once for every kind in {@code LeasedWorkQueueTest}.
 */
class JobQueueTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private JobQueue queue;

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = new JobQueue(
                database.dataSource(),
                JsonMapper.builder().build(),
                new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(5), OptionalInt.empty()));
        jdbc.sql("TRUNCATE organizations, fine_tuning_jobs, job_events, checkpoints, files, models CASCADE")
                .update();
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A')").update();
    }

    private String enqueue(String id) {
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, queued_at)
                        VALUES (:id, 'org-a', 'safetune-tiny', 'file-1', 'queued',
                                '{"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 0.5,
                                  "max_sequence_length": 128}', 1, clock_timestamp())
                        """).param("id", id).update();
        return id;
    }

    private String status(String id) {
        return jdbc.sql("SELECT status FROM fine_tuning_jobs WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single();
    }

    private void expireLease(String id) {
        jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() - interval '1 second' WHERE id = :id")
                .param("id", id)
                .update();
    }

    @Test
    void claimReadsTheStoredHyperparametersAndTakesTheOldestJobFirst() {
        enqueue("ftjob-old");
        enqueue("ftjob-new");

        ClaimedJob job = queue.claim("w1").orElseThrow();

        assertThat(job.id()).isEqualTo("ftjob-old");
        assertThat(job.lease().attempt()).isEqualTo(1);
        assertThat(job.hyperparameters().nEpochs()).isEqualTo(2);
        assertThat(job.hyperparameters().batchSize()).isEqualTo(4);
        assertThat(job.hyperparameters().learningRateMultiplier()).isEqualTo(0.5);
        assertThat(job.hyperparameters().maxSequenceLength()).isEqualTo(128);
    }

    @Test
    void expiredLeaseIsRequeuedAndTheNextClaimFencesOutTheOldWorker() {
        enqueue("ftjob-1");
        Lease dead = queue.claim("dead-worker").orElseThrow().lease();
        expireLease("ftjob-1");

        assertThat(queue.requeueExpired()).containsExactly("ftjob-1");
        assertThat(jdbc.sql("SELECT level || ' ' || attempt || ' ' || message FROM job_events WHERE job_id = 'ftjob-1'")
                        .query(String.class)
                        .list())
                .containsExactly("warn 1 Worker lease expired on attempt 1; job re-queued and will resume from its"
                        + " newest checkpoint.");
        Lease alive = queue.claim("alive-worker").orElseThrow().lease();

        assertThat(alive.attempt()).isEqualTo(2);
        assertThat(queue.renew(dead)).isEqualTo(LeaseState.LOST);
        assertThat(queue.appendEvent(dead, "info", "message", "zombie", null)).isFalse();
        assertThat(queue.recordCheckpoint(dead, "ftckpt-z", 5, Map.of(), "/tmp/z", "z"))
                .isFalse();
        assertThat(queue.succeed(dead, "ft:zombie", "safetune-tiny", 1, "/tmp/z", List.of()))
                .isFalse();
        assertThat(queue.renew(alive)).isEqualTo(LeaseState.HELD);
        assertThat(queue.succeed(alive, "ft:alive", "safetune-tiny", 10, "/tmp/a", List.of()))
                .isTrue();
        assertThat(status("ftjob-1")).isEqualTo("succeeded");
    }

    @Test
    void successRegistersTheModelAndTheResultFilesForTheJobsOwner() {
        enqueue("ftjob-1");
        Lease lease = queue.claim("w1").orElseThrow().lease();
        ResultFile diagnostics = new ResultFile("file-r1", "ftjob-1-example-losses.jsonl", 12, "ab", "/tmp/r1");

        assertThat(queue.succeed(lease, "ft:m", "safetune-tiny", 10, "/tmp/m", List.of(diagnostics)))
                .isTrue();

        assertThat(jdbc.sql("SELECT array_to_string(result_files, ',') FROM fine_tuning_jobs WHERE id = 'ftjob-1'")
                        .query(String.class)
                        .single())
                .isEqualTo("file-r1");
        assertThat(jdbc.sql("SELECT organization_id || ' ' || purpose FROM files WHERE id = 'file-r1'")
                        .query(String.class)
                        .single())
                .isEqualTo("org-a fine-tune-results");
        assertThat(jdbc.sql("SELECT organization_id FROM models WHERE id = 'ft:m'")
                        .query(String.class)
                        .single())
                .isEqualTo("org-a");
    }

    @Test
    void heartbeatReportsCancellationMadeByTheApi() {
        enqueue("ftjob-1");
        Lease lease = queue.claim("w1").orElseThrow().lease();
        jdbc.sql("UPDATE fine_tuning_jobs SET status = 'cancelled' WHERE id = 'ftjob-1'")
                .update();

        assertThat(queue.renew(lease)).isEqualTo(LeaseState.CANCELLED);
        assertThat(queue.succeed(lease, "ft:x", "safetune-tiny", 1, "/tmp/x", List.of()))
                .isFalse();
        assertThat(status("ftjob-1")).isEqualTo("cancelled");
    }

    @Test
    void newestCheckpointOfAnyAttemptIsWhereAResumeStarts() {
        enqueue("ftjob-1");
        Lease first = queue.claim("w1").orElseThrow().lease();
        queue.recordCheckpoint(first, "ftckpt-1", 5, Map.of("step", 5), "/ck/5", "m:ckpt-step-5");
        queue.recordCheckpoint(first, "ftckpt-2", 10, Map.of("step", 10), "/ck/10", "m:ckpt-step-10");

        assertThat(queue.latestCheckpoint("ftjob-1")).contains(new JobQueue.StoredCheckpoint(10, "/ck/10"));
    }

    @Test
    void measuredThroughputIsAWeightedMeanThatFollowsNewRuns() {
        jdbc.sql("DELETE FROM training_throughput").update();

        queue.recordThroughput("safetune-tiny", 100.0);
        queue.recordThroughput("safetune-tiny", 200.0);
        queue.recordThroughput("safetune-tiny", Double.NaN);

        Map<String, Object> row = jdbc.sql(
                        "SELECT tokens_per_second, jobs FROM training_throughput WHERE model = 'safetune-tiny'")
                .query()
                .singleRow();
        assertThat((Double) row.get("tokens_per_second")).isCloseTo(130.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(row.get("jobs")).isEqualTo(2);
    }
}

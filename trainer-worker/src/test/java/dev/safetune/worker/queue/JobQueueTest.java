package dev.safetune.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.MigratedDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** The queue's guarantees against a real PostgreSQL: exclusive claims, lease expiry, fencing, cancellation. */
class JobQueueTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private JobQueue queue;

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = new JobQueue(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(database.dataSource())),
                JsonMapper.builder().build());
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
    void competingWorkersClaimEveryJobExactlyOnce() throws Exception {
        for (int i = 0; i < 40; i++) {
            enqueue("ftjob-" + i);
        }
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String workerId = "worker-" + w;
            workers.add(() -> {
                Optional<ClaimedJob> job;
                while ((job = queue.claim(workerId, LEASE)).isPresent()) {
                    claimed.add(job.get().id());
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(workers)) {
            f.get();
        }
        pool.shutdown();

        assertThat(claimed).hasSize(40).doesNotHaveDuplicates();
        assertThat(jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE status = 'running' AND attempts = 1")
                        .query(Integer.class)
                        .single())
                .isEqualTo(40);
    }

    @Test
    void claimReadsTheStoredHyperparametersAndTakesTheOldestJobFirst() {
        enqueue("ftjob-old");
        enqueue("ftjob-new");

        ClaimedJob job = queue.claim("w1", LEASE).orElseThrow();

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
        Lease dead = queue.claim("dead-worker", LEASE).orElseThrow().lease();
        expireLease("ftjob-1");

        assertThat(queue.requeueExpired()).containsExactly("ftjob-1");
        Lease alive = queue.claim("alive-worker", LEASE).orElseThrow().lease();

        assertThat(alive.attempt()).isEqualTo(2);
        assertThat(queue.renew(dead, LEASE)).isEqualTo(LeaseState.LOST);
        assertThat(queue.appendEvent(dead, "info", "message", "zombie", null)).isFalse();
        assertThat(queue.recordCheckpoint(dead, "ftckpt-z", 5, Map.of(), "/tmp/z", "z"))
                .isFalse();
        assertThat(queue.succeed(dead, "ft:zombie", "safetune-tiny", 1, "/tmp/z", List.of()))
                .isFalse();
        assertThat(queue.renew(alive, LEASE)).isEqualTo(LeaseState.HELD);
        assertThat(queue.succeed(alive, "ft:alive", "safetune-tiny", 10, "/tmp/a", List.of()))
                .isTrue();
        assertThat(status("ftjob-1")).isEqualTo("succeeded");
    }

    @Test
    void successRegistersTheModelAndTheResultFilesForTheJobsOwner() {
        enqueue("ftjob-1");
        Lease lease = queue.claim("w1", LEASE).orElseThrow().lease();
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
    void liveLeaseIsNotRequeued() {
        enqueue("ftjob-1");
        queue.claim("w1", LEASE).orElseThrow();

        assertThat(queue.requeueExpired()).isEmpty();
        assertThat(status("ftjob-1")).isEqualTo("running");
    }

    @Test
    void heartbeatReportsCancellationMadeByTheApi() {
        enqueue("ftjob-1");
        Lease lease = queue.claim("w1", LEASE).orElseThrow().lease();
        jdbc.sql("UPDATE fine_tuning_jobs SET status = 'cancelled' WHERE id = 'ftjob-1'")
                .update();

        assertThat(queue.renew(lease, LEASE)).isEqualTo(LeaseState.CANCELLED);
        assertThat(queue.succeed(lease, "ft:x", "safetune-tiny", 1, "/tmp/x", List.of()))
                .isFalse();
        assertThat(status("ftjob-1")).isEqualTo("cancelled");
    }

    @Test
    void jobThatKeepsLosingItsWorkerFailsAfterMaxAttempts() {
        enqueue("ftjob-1");
        jdbc.sql("UPDATE fine_tuning_jobs SET max_attempts = 2 WHERE id = 'ftjob-1'")
                .update();
        for (int attempt = 1; attempt <= 2; attempt++) {
            queue.claim("w" + attempt, LEASE).orElseThrow();
            expireLease("ftjob-1");
            queue.requeueExpired();
        }

        assertThat(status("ftjob-1")).isEqualTo("failed");
        assertThat(queue.claim("w3", LEASE)).isEmpty();
    }

    @Test
    void newestCheckpointOfAnyAttemptIsWhereAResumeStarts() {
        enqueue("ftjob-1");
        Lease first = queue.claim("w1", LEASE).orElseThrow().lease();
        queue.recordCheckpoint(first, "ftckpt-1", 5, Map.of("step", 5), "/ck/5", "m:ckpt-step-5");
        queue.recordCheckpoint(first, "ftckpt-2", 10, Map.of("step", 10), "/ck/10", "m:ckpt-step-10");

        assertThat(queue.latestCheckpoint("ftjob-1")).contains(new JobQueue.StoredCheckpoint(10, "/ck/10"));
    }

    @Test
    void releaseHandsTheJobBackAtOnce() {
        enqueue("ftjob-1");
        Lease lease = queue.claim("w1", LEASE).orElseThrow().lease();

        assertThat(queue.release(lease)).isTrue();
        assertThat(queue.claim("w2", LEASE).orElseThrow().lease().attempt()).isEqualTo(2);
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

    @Test
    void idleWorkerWakesOnNotify() throws Exception {
        try (NotificationSignal signal = new NotificationSignal(database.dataSource(), JobQueue.CHANNEL)) {
            signal.await(Duration.ofMillis(10)); // opens the LISTEN connection
            long start = System.nanoTime();
            Thread notifier = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ignored) {
                    return;
                }
                queue.notifyQueued("ftjob-x");
            });

            boolean woke = signal.await(Duration.ofSeconds(20));
            notifier.join();

            assertThat(woke).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }
}

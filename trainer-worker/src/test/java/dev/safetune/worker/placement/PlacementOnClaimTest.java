package dev.safetune.worker.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.work.WorkPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * Placement on the worker's side against a real PostgreSQL: a worker claims only jobs whose memory estimate fits its
 * capacity, and keeps its {@code workers} row current.
 */
class PlacementOnClaimTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final long GIB = 1L << 30;

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private JobQueue queue;
    private WorkerRegistry registry;

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = new JobQueue(
                database.dataSource(),
                JsonMapper.builder().build(),
                new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(5), OptionalInt.empty()));
        registry = new WorkerRegistry(jdbc);
        jdbc.sql("TRUNCATE organizations, fine_tuning_jobs, workers CASCADE").update();
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A')").update();
    }

    private void enqueue(String id, Long memoryRequired) {
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, queued_at, memory_required_bytes)
                        VALUES (:id, 'org-a', 'safetune-tiny', 'file-1', 'queued',
                                '{"n_epochs": 1, "batch_size": 8, "learning_rate_multiplier": 1}', 1,
                                clock_timestamp(), :memory)
                        """).param("id", id).param("memory", memoryRequired).update();
    }

    @Test
    void smallWorkerSkipsTheJobItCannotHoldAndTheBigWorkerTakesIt() {
        enqueue("ftjob-big", 12 * GIB);
        enqueue("ftjob-small", 2 * GIB);

        Optional<ClaimedJob> bySmall = queue.claim("small-worker", 4 * GIB);
        Optional<ClaimedJob> byBig = queue.claim("big-worker", 16 * GIB);

        // The older job is the big one: the small worker passes over it to the job it can hold.
        assertThat(bySmall.map(ClaimedJob::id)).contains("ftjob-small");
        assertThat(byBig.map(ClaimedJob::id)).contains("ftjob-big");
    }

    @Test
    void jobNoWorkerCanHoldStaysQueued() {
        enqueue("ftjob-huge", 64 * GIB);

        assertThat(queue.claim("small-worker", 4 * GIB)).isEmpty();
        assertThat(queue.claim("big-worker", 16 * GIB)).isEmpty();
        assertThat(jdbc.sql("SELECT status FROM fine_tuning_jobs WHERE id = 'ftjob-huge'")
                        .query(String.class)
                        .single())
                .isEqualTo("queued");
    }

    @Test
    void estimateEqualToTheCapacityFits() {
        enqueue("ftjob-exact", 4 * GIB);

        assertThat(queue.claim("small-worker", 4 * GIB)).isPresent();
    }

    @Test
    void jobWithoutAnEstimateFitsAnyWorker() {
        enqueue("ftjob-old", null);

        assertThat(queue.claim("tiny-worker", 1)).map(ClaimedJob::id).contains("ftjob-old");
    }

    @Test
    void announcingWritesTheRowAndABeatRefreshesIt() {
        registry.announce("w1", new WorkerCapacity("cpu", 8 * GIB));
        jdbc.sql("UPDATE workers SET last_seen_at = now() - interval '10 minutes'")
                .update();

        registry.announce("w1", new WorkerCapacity("cpu", 6 * GIB));

        Map<String, Object> row = jdbc.sql("SELECT device, memory_bytes, now() - last_seen_at < interval '1 minute'"
                        + " AS fresh FROM workers WHERE id = 'w1'")
                .query()
                .singleRow();
        assertThat(row)
                .containsEntry("device", "cpu")
                .containsEntry("memory_bytes", 6 * GIB)
                .containsEntry("fresh", true);
    }

    @Test
    void heartbeatAnnouncesAtStartAndLeavesAtStop() throws InterruptedException {
        WorkerHeartbeat heartbeat =
                new WorkerHeartbeat(registry, "w-beat", new WorkerCapacity("cpu", 3 * GIB), Duration.ofMillis(50));

        heartbeat.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (count("w-beat") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(count("w-beat")).isEqualTo(1);
        heartbeat.stop();

        assertThat(count("w-beat")).isZero();
    }

    @Test
    void cpuCapacityIsPhysicalMemoryLessHeapAndReserve() {
        assertThat(WorkerCapacity.ofCpu(16 * GIB, 4 * GIB, GIB)).isEqualTo(new WorkerCapacity("cpu", 11 * GIB));
    }

    @Test
    void configuredMemoryOverridesDetection() {
        WorkerCapacity capacity = WorkerCapacity.detect(DataSize.ofGigabytes(5), DataSize.ofGigabytes(1));

        assertThat(capacity.memoryBytes()).isEqualTo(5 * GIB);
    }

    @Test
    void detectedCpuCapacityLeavesTheHeapAndTheReserve() {
        assumeTrue(Engine.getInstance().getGpuCount() == 0, "a GPU worker offers its device memory");
        long reserve = 256L << 20;
        WorkerCapacity capacity = WorkerCapacity.detect(null, DataSize.ofBytes(reserve));

        long physical = ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        assertThat(capacity.device()).isEqualTo("cpu");
        assertThat(capacity.memoryBytes())
                .isEqualTo(physical - Runtime.getRuntime().maxMemory() - reserve);
    }

    @Test
    void cpuWithNothingLeftIsRefusedNamingTheSettings() {
        assertThatThrownBy(() -> WorkerCapacity.ofCpu(4 * GIB, 3 * GIB, GIB))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("safetune.worker.memory-bytes")
                .hasMessageContaining("safetune.worker.memory-reserve");
    }

    private int count(String workerId) {
        return jdbc.sql("SELECT count(*) FROM workers WHERE id = :id")
                .param("id", workerId)
                .query(Integer.class)
                .single();
    }
}

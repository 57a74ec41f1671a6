package dev.safetune.worker.modelimport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.work.DeadWorkHandler;
import dev.safetune.worker.work.Expired;
import dev.safetune.worker.work.Heartbeats;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.WorkPolicy;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The import kind's own writes against a real PostgreSQL: what a claim reads, progress with each heartbeat, why a
 * re-queue happened, and a heartbeat that interrupts an import taken over. The protocol itself is specified once for
 * every kind in {@code LeasedWorkQueueTest}.
 */
class ImportQueueTest {
    private static final WorkPolicy POLICY =
            new WorkPolicy(Duration.ofSeconds(30), Duration.ofMillis(50), OptionalInt.of(3));

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private ImportQueue queue;
    private LeasedWorkQueue work;

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(database.dataSource()));
        queue = new ImportQueue(jdbc, tx, POLICY);
        work = new LeasedWorkQueue(jdbc, tx);
        jdbc.sql("DELETE FROM model_imports").update();
    }

    private String enqueue(String id) {
        jdbc.sql("INSERT INTO model_imports (id, source, status, created_at)"
                        + " VALUES (:id, 'hf:org/model@main', 'queued', clock_timestamp())")
                .param("id", id)
                .update();
        return id;
    }

    private Map<String, Object> row(String id) {
        return jdbc.sql("SELECT * FROM model_imports WHERE id = :id")
                .param("id", id)
                .query()
                .singleRow();
    }

    private void expireLease(String id) {
        jdbc.sql("UPDATE model_imports SET lease_until = now() - interval '1 second' WHERE id = :id")
                .param("id", id)
                .update();
    }

    @Test
    void aClaimTakesTheOldestAndReadsTheRequest() {
        jdbc.sql("INSERT INTO model_imports (id, source, model_id, replace, status, created_at) VALUES"
                        + " ('mi-old', 'dir:/models/a', 'model-a', true, 'queued', now() - interval '1 minute'),"
                        + " ('mi-new', 'hf:org/b@main', NULL, false, 'queued', now())")
                .update();

        ClaimedImport claimed = queue.claim("worker-1").orElseThrow();

        assertThat(claimed.lease()).isEqualTo(new Lease("mi-old", null, "worker-1", 1));
        assertThat(claimed.source()).isEqualTo("dir:/models/a");
        assertThat(claimed.modelId()).contains("model-a");
        assertThat(claimed.replace()).isTrue();
        Map<String, Object> row = row("mi-old");
        assertThat(row.get("status")).isEqualTo("running");
        assertThat(row.get("locked_by")).isEqualTo("worker-1");
        assertThat(row.get("started_at")).isNotNull();
        assertThat(row.get("lease_until")).isNotNull();
    }

    @Test
    void aRequeuedImportIsAnnouncedAndSaysWhy() {
        enqueue("mi-1");
        queue.claim("worker-dead");
        expireLease("mi-1");

        assertThat(work.expire(queue.kind(), new DeadWorkHandler() {}))
                .extracting(Expired::id)
                .containsExactly("mi-1");

        Map<String, Object> row = row("mi-1");
        assertThat(row.get("status")).isEqualTo("queued");
        assertThat(row.get("lease_until")).isNull();
        assertThat(row.get("message")).isEqualTo("worker worker-dead stopped renewing its lease; re-queued");
    }

    @Test
    void aHeartbeatWritesProgressAndExtendsTheLease() {
        enqueue("mi-1");
        Lease lease = queue.claim("worker-1").orElseThrow().lease();
        Object firstLease = row("mi-1").get("lease_until");

        assertThat(queue.heartbeat(lease, new ImportProgressSnapshot(512, 2048, "fetching: hf:org/model")))
                .isTrue();

        Map<String, Object> row = row("mi-1");
        assertThat(row.get("bytes_done")).isEqualTo(512L);
        assertThat(row.get("bytes_total")).isEqualTo(2048L);
        assertThat(row.get("message")).isEqualTo("fetching: hf:org/model");
        assertThat((Timestamp) row.get("lease_until")).isAfter((Timestamp) firstLease);
    }

    @Test
    void anUnknownTotalIsStoredAsNull() {
        enqueue("mi-1");
        Lease lease = queue.claim("worker-1").orElseThrow().lease();

        queue.heartbeat(lease, new ImportProgressSnapshot(0, -1, "resolving"));

        assertThat(row("mi-1").get("bytes_total")).isNull();
    }

    @Test
    void theHeartbeatInterruptsAnImportWhoseLeaseWasTakenOver() throws Exception {
        enqueue("mi-1");
        Lease lease = queue.claim("worker-1").orElseThrow().lease();
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread importing = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        importing.start();
        RowProgress progress = new RowProgress();
        try (Heartbeats heartbeats = new Heartbeats("test-heartbeat", POLICY, Duration.ofMillis(50));
                Heartbeats.Heartbeat heartbeat = heartbeats.start(
                        lease,
                        due -> Optional.of(
                                queue.heartbeat(lease, progress.snapshot()) ? LeaseState.HELD : LeaseState.LOST),
                        importing::interrupt)) {
            // The heartbeat renews every 50 ms and may renew between the expiry and the claim: retry until the
            // takeover happens (after it, the old attempt's renewals are refused).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean takenOver = false;
            while (!takenOver && System.nanoTime() < deadline) {
                expireLease("mi-1");
                work.expire(queue.kind(), new DeadWorkHandler() {});
                takenOver = queue.claim("worker-2").isPresent();
            }
            assertThat(takenOver).isTrue();

            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(heartbeat.state()).isEqualTo(LeaseState.LOST);
        }
    }
}

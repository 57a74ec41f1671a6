package dev.safetune.worker.modelimport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.MigratedDatabase;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The import queue's guarantees against a real PostgreSQL: exclusive claims, lease expiry, fencing, heartbeats. */
class ImportQueueTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private ImportQueue queue;

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = new ImportQueue(
                jdbc, new TransactionTemplate(new DataSourceTransactionManager(database.dataSource())), 3);
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
    void competingWorkersClaimEveryImportExactlyOnce() throws Exception {
        for (int i = 0; i < 20; i++) {
            enqueue("mi-" + i);
        }
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String workerId = "worker-" + w;
            workers.add(() -> {
                Optional<ClaimedImport> next;
                while ((next = queue.claim(workerId, LEASE)).isPresent()) {
                    claimed.add(next.get().lease().importId());
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(workers)) {
            f.get();
        }
        pool.shutdown();

        assertThat(claimed).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void aClaimTakesTheOldestAndReadsTheRequest() {
        jdbc.sql("INSERT INTO model_imports (id, source, model_id, replace, status, created_at) VALUES"
                        + " ('mi-old', 'dir:/models/a', 'model-a', true, 'queued', now() - interval '1 minute'),"
                        + " ('mi-new', 'hf:org/b@main', NULL, false, 'queued', now())")
                .update();

        ClaimedImport claimed = queue.claim("worker-1", LEASE).orElseThrow();

        assertThat(claimed.lease()).isEqualTo(new ImportLease("mi-old", "worker-1", 1));
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
    void anExpiredLeaseIsRequeuedByTheNextClaimAndTheOldWorkerIsFencedOut() {
        enqueue("mi-1");
        ImportLease dead = queue.claim("worker-dead", LEASE).orElseThrow().lease();
        expireLease("mi-1");

        ImportLease successor = queue.claim("worker-live", LEASE).orElseThrow().lease();

        assertThat(successor).isEqualTo(new ImportLease("mi-1", "worker-live", 2));
        ImportProgressSnapshot progress = new ImportProgressSnapshot(10, 100, "fetching");
        assertThat(queue.heartbeat(dead, progress, LEASE)).isFalse();
        assertThat(queue.succeed(dead, "stale", progress)).isFalse();
        assertThat(queue.fail(dead, "hub_error", "stale")).isFalse();
        assertThat(queue.release(dead)).isFalse();
        assertThat(row("mi-1").get("status")).isEqualTo("running");
        assertThat(row("mi-1").get("locked_by")).isEqualTo("worker-live");
    }

    @Test
    void aRequeuedImportIsAnnouncedAndSaysWhy() {
        enqueue("mi-1");
        queue.claim("worker-dead", LEASE);
        expireLease("mi-1");

        assertThat(queue.requeueExpired()).containsExactly("mi-1");

        Map<String, Object> row = row("mi-1");
        assertThat(row.get("status")).isEqualTo("queued");
        assertThat(row.get("lease_until")).isNull();
        assertThat(row.get("message")).isEqualTo("worker worker-dead stopped renewing its lease; re-queued");
    }

    @Test
    void anImportThatLosesItsWorkerOnEveryAttemptFailsAfterTheLast() {
        enqueue("mi-1");
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(queue.claim("worker-" + attempt, LEASE)).isPresent();
            expireLease("mi-1");
        }

        assertThat(queue.claim("worker-4", LEASE)).isEmpty();

        Map<String, Object> row = row("mi-1");
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("worker_lost");
        assertThat(row.get("error_message")).isEqualTo("The import lost its worker 3 times; giving up.");
        assertThat(row.get("finished_at")).isNotNull();
    }

    @Test
    void aHeartbeatWritesProgressAndExtendsTheLease() {
        enqueue("mi-1");
        ImportLease lease =
                queue.claim("worker-1", Duration.ofSeconds(1)).orElseThrow().lease();
        Object firstLease = row("mi-1").get("lease_until");

        assertThat(queue.heartbeat(lease, new ImportProgressSnapshot(512, 2048, "fetching: hf:org/model"), LEASE))
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
        ImportLease lease = queue.claim("worker-1", LEASE).orElseThrow().lease();

        queue.heartbeat(lease, new ImportProgressSnapshot(0, -1, "resolving"), LEASE);

        assertThat(row("mi-1").get("bytes_total")).isNull();
    }

    @Test
    void aReleasedImportIsQueuedAgainAtOnce() {
        enqueue("mi-1");
        ImportLease lease = queue.claim("worker-1", LEASE).orElseThrow().lease();

        assertThat(queue.release(lease)).isTrue();

        assertThat(row("mi-1").get("status")).isEqualTo("queued");
        assertThat(queue.claim("worker-2", LEASE).orElseThrow().lease().attempt())
                .isEqualTo(2);
    }

    @Test
    void theHeartbeatInterruptsAnImportWhoseLeaseWasTakenOver() throws Exception {
        enqueue("mi-1");
        ImportLease lease = queue.claim("worker-1", LEASE).orElseThrow().lease();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread importing = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        importing.start();
        try (ImportHeartbeat heartbeat = new ImportHeartbeat(
                scheduler,
                queue,
                lease,
                new RowProgress(),
                LEASE,
                Duration.ofMillis(50),
                Duration.ofMillis(50),
                importing)) {
            // The heartbeat renews every 50 ms and may renew between the expiry and the claim: retry until the
            // takeover happens (after it, the old attempt's renewals are refused).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean takenOver = false;
            while (!takenOver && System.nanoTime() < deadline) {
                expireLease("mi-1");
                takenOver = queue.claim("worker-2", LEASE).isPresent();
            }
            assertThat(takenOver).isTrue();

            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(heartbeat.lost()).isTrue();
        } finally {
            scheduler.shutdownNow();
        }
    }
}

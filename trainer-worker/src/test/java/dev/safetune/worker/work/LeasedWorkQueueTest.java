package dev.safetune.worker.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.job.JobTransition;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.modelimport.ImportQueue;
import dev.safetune.worker.queue.JobQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The leased-work protocol against a real PostgreSQL, the same specification run against each kind of work (jobs and
 * model imports): exclusive claims, expiry of every leased status, fencing, give-up, release, NOTIFY wake-up, and
 * fair claims across organisations.
 */
class LeasedWorkQueueTest {
    private static final WorkPolicy POLICY =
            new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(5), OptionalInt.of(3));

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private LeasedWorkQueue queue;

    /** One kind's table as the tests fill it. */
    enum Kind {
        JOBS(JobQueue.kind(POLICY)) {
            @Override
            void enqueue(JdbcClient jdbc, String id, String org) {
                jdbc.sql("""
                                INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                              hyperparameters, seed, queued_at, max_attempts)
                                VALUES (:id, :org, 'safetune-tiny', 'file-1', 'queued', '{}', 1, clock_timestamp(), 3)
                                """).param("id", id).param("org", org).update();
            }
        },
        IMPORTS(ImportQueue.kind(POLICY)) {
            @Override
            void enqueue(JdbcClient jdbc, String id, String org) {
                jdbc.sql("INSERT INTO model_imports (id, source, status, created_at)"
                                + " VALUES (:id, 'hf:org/model@main', 'queued', clock_timestamp())")
                        .param("id", id)
                        .update();
            }
        };

        final WorkKind kind;

        Kind(WorkKind kind) {
            this.kind = kind;
        }

        abstract void enqueue(JdbcClient jdbc, String id, String org);

        /** The row's {@code status}. */
        String status(JdbcClient jdbc, String id) {
            return column(jdbc, id, "status", String.class);
        }

        /** The row's {@code attempts} (its lease's fencing token once claimed). */
        int attempts(JdbcClient jdbc, String id) {
            return column(jdbc, id, "attempts", Integer.class);
        }

        private <T> T column(JdbcClient jdbc, String id, String column, Class<T> type) {
            return jdbc.sql("SELECT " + column + " FROM " + kind.table() + " WHERE id = :id")
                    .param("id", id)
                    .query(type)
                    .single();
        }
    }

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = emptyQueueOfThreeOrganisations(jdbc, database.dataSource());
    }

    /** A queue over emptied work tables, with organisations {@code org-a}, {@code org-b} and {@code org-c}. */
    static LeasedWorkQueue emptyQueueOfThreeOrganisations(JdbcClient jdbc, DataSource dataSource) {
        jdbc.sql("TRUNCATE organizations, fine_tuning_jobs, job_events, model_imports CASCADE")
                .update();
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A'), ('org-b', 'B'), ('org-c', 'C')")
                .update();
        return new LeasedWorkQueue(jdbc, new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
    }

    private Optional<Lease> claim(Kind kind, String worker) {
        return queue.claim(kind.kind, worker, ClaimFilter.NONE, (lease, row) -> lease);
    }

    private String status(Kind kind, String id) {
        return jdbc.sql("SELECT status FROM " + kind.kind.table() + " WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single();
    }

    private void expireLease(Kind kind, String id) {
        jdbc.sql("UPDATE " + kind.kind.table() + " SET lease_until = now() - interval '1 second' WHERE id = :id")
                .param("id", id)
                .update();
    }

    private boolean complete(Kind kind, Lease lease) {
        return queue.transition(kind.kind, lease, kind.kind.leasedGuard(), "succeeded", false, "", Map.of());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void competingWorkersClaimEveryRowExactlyOnce(Kind kind) throws Exception {
        for (int i = 0; i < 40; i++) {
            kind.enqueue(jdbc, "w-" + i, i % 2 == 0 ? "org-a" : "org-b");
        }
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            String workerId = "worker-" + w;
            workers.add(() -> {
                Optional<Lease> lease;
                while ((lease = claim(kind, workerId)).isPresent()) {
                    claimed.add(lease.get().id());
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(workers)) {
            f.get();
        }
        pool.shutdown();

        assertThat(claimed).hasSize(40).doesNotHaveDuplicates();
        assertThat(jdbc.sql("SELECT count(*) FROM " + kind.kind.table() + " WHERE status = 'running' AND attempts = 1")
                        .query(Integer.class)
                        .single())
                .isEqualTo(40);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aClaimTakesTheOldestRowFirstAndCountsAnAttempt(Kind kind) {
        kind.enqueue(jdbc, "w-old", "org-a");
        kind.enqueue(jdbc, "w-new", "org-a");

        Lease lease = claim(kind, "w1").orElseThrow();

        assertThat(lease.id()).isEqualTo("w-old");
        assertThat(lease.attempt()).isEqualTo(1);
        assertThat(status(kind, "w-old")).isEqualTo("running");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anExpiredRunningLeaseIsRequeuedAndTheNextClaimFencesOutTheOldWorker(Kind kind) {
        kind.enqueue(jdbc, "w-1", "org-a");
        Lease dead = claim(kind, "dead-worker").orElseThrow();
        expireLease(kind, "w-1");

        assertThat(queue.expire(kind.kind, new DeadWorkHandler() {}))
                .extracting(Expired::id)
                .containsExactly("w-1");
        Lease alive = claim(kind, "alive-worker").orElseThrow();

        assertThat(alive.attempt()).isEqualTo(2);
        assertThat(queue.renew(kind.kind, dead, "", Map.of())).isFalse();
        assertThat(complete(kind, dead)).as("the stale attempt's write").isFalse();
        assertThat(queue.release(kind.kind, dead, "")).isFalse();
        assertThat(queue.renew(kind.kind, alive, "", Map.of())).isTrue();
        assertThat(complete(kind, alive)).isTrue();
        assertThat(status(kind, "w-1")).isEqualTo("succeeded");
    }

    @Test
    void anExpiredLeaseInAnyLeasedStatusIsRequeuedAuditingIncluded() {
        Kind kind = Kind.JOBS;
        kind.enqueue(jdbc, "w-audit", "org-a");
        Lease lease = claim(kind, "auditor").orElseThrow();
        // Training elected the audit; the auditor then died.
        assertThat(queue.transition(
                        kind.kind,
                        lease,
                        JobTransition.ELECT_AUDIT.sqlGuard(),
                        JobTransition.ELECT_AUDIT.to().wireName(),
                        true,
                        "",
                        Map.of()))
                .isTrue();
        assertThat(queue.renew(kind.kind, lease, "", Map.of()))
                .as("auditing is leased")
                .isTrue();
        expireLease(kind, "w-audit");

        List<Expired> requeued = queue.expire(kind.kind, new DeadWorkHandler() {});

        assertThat(requeued).containsExactly(new Expired("w-audit", "org-a", 1));
        assertThat(status(kind, "w-audit")).isEqualTo("queued");
        assertThat(claim(kind, "next").orElseThrow().attempt()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLiveLeaseIsNotRequeued(Kind kind) {
        kind.enqueue(jdbc, "w-1", "org-a");
        claim(kind, "w1").orElseThrow();

        assertThat(queue.expire(kind.kind, new DeadWorkHandler() {})).isEmpty();
        assertThat(status(kind, "w-1")).isEqualTo("running");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void workThatKeepsLosingItsWorkerIsGivenUpAfterItsLastAttempt(Kind kind) {
        kind.enqueue(jdbc, "w-1", "org-a");
        List<Expired> givenUp = new ArrayList<>();
        DeadWorkHandler handler = new DeadWorkHandler() {
            @Override
            public void onGivenUp(List<Expired> rows) {
                givenUp.addAll(rows);
            }
        };
        for (int attempt = 1; attempt <= 3; attempt++) {
            claim(kind, "w" + attempt).orElseThrow();
            expireLease(kind, "w-1");
            queue.expire(kind.kind, handler);
        }

        assertThat(status(kind, "w-1")).isEqualTo("failed");
        assertThat(givenUp).extracting(Expired::attempt).containsExactly(3);
        assertThat(jdbc.sql("SELECT error_code FROM " + kind.kind.table() + " WHERE id = 'w-1'")
                        .query(String.class)
                        .single())
                .isEqualTo("worker_lost");
        assertThat(claim(kind, "w4")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aReleasedRowIsQueuedAgainAtOnce(Kind kind) {
        kind.enqueue(jdbc, "w-1", "org-a");
        Lease lease = claim(kind, "w1").orElseThrow();

        assertThat(queue.release(kind.kind, lease, "")).isTrue();

        assertThat(status(kind, "w-1")).isEqualTo("queued");
        assertThat(claim(kind, "w2").orElseThrow().attempt()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void completeAndClaimEndsTheRowAndClaimsTheNextButRefusesAStaleCompletion(Kind kind) {
        kind.enqueue(jdbc, "w-1", "org-a");
        kind.enqueue(jdbc, "w-2", "org-a");
        kind.enqueue(jdbc, "w-3", "org-a");
        Lease first = claim(kind, "w1").orElseThrow();

        LeasedWorkQueue.Cycle<Lease> cycle = queue.completeAndClaim(
                kind.kind, first, kind.kind.leasedGuard(), "succeeded", "", Map.of(), ClaimFilter.NONE, (l, r) -> l);

        assertThat(cycle.completed()).isTrue();
        assertThat(cycle.next()).map(Lease::id).contains("w-2");
        assertThat(status(kind, "w-1")).isEqualTo("succeeded");
        LeasedWorkQueue.Cycle<Lease> stale = queue.completeAndClaim(
                kind.kind, first, kind.kind.leasedGuard(), "succeeded", "", Map.of(), ClaimFilter.NONE, (l, r) -> l);
        assertThat(stale.completed()).isFalse();
        assertThat(stale.next()).map(Lease::id).contains("w-3");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anIdleLoopWakesOnTheNotifyWithoutWaitingForItsPoll(Kind kind) throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        WorkHandler<Lease> handler = new WorkHandler<>() {
            @Override
            public WorkKind kind() {
                return kind.kind;
            }

            @Override
            public Lease claimed(Lease lease, java.sql.ResultSet row) {
                return lease;
            }

            @Override
            public void execute(Lease lease) {
                complete(kind, lease);
                ran.countDown();
            }
        };
        WorkLoop<Lease> loop = new WorkLoop<>(
                queue,
                handler,
                new NotificationSignal(database.dataSource(), kind.kind.channel()),
                Duration.ofMinutes(10),
                "sleeper");
        loop.start();
        try {
            awaitListening(kind.kind.channel());
            kind.enqueue(jdbc, "w-notified", "org-a");
            long start = System.nanoTime();
            queue.notifyQueued(kind.kind, "w-notified");

            assertThat(ran.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(status(kind, "w-notified")).isEqualTo("succeeded");
        } finally {
            loop.stop();
        }
    }

    @Test
    void anOrganisationQueuedBehindAnotherFiftyIsServedWithinTheFirstTwoClaims() {
        Kind kind = Kind.JOBS;
        for (int i = 0; i < 50; i++) {
            kind.enqueue(jdbc, String.format("a-%02d", i), "org-a");
        }
        kind.enqueue(jdbc, "b-00", "org-b");

        List<String> firstTwo = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Lease lease = claim(kind, "w").orElseThrow();
            firstTwo.add(lease.id());
            // claim + complete: org A holds no lease when the second claim looks, so the turn is by service.
            assertThat(complete(kind, lease)).isTrue();
        }

        assertThat(firstTwo).containsExactly("a-00", "b-00");
    }

    @Test
    void theOrganisationHoldingFewerLeasesGoesFirstThenTheLeastRecentlyServed() {
        Kind kind = Kind.JOBS;
        for (int i = 0; i < 5; i++) {
            kind.enqueue(jdbc, "a-" + i, "org-a");
        }
        for (int i = 0; i < 5; i++) {
            kind.enqueue(jdbc, "b-" + i, "org-b");
        }
        kind.enqueue(jdbc, "c-0", "org-c");

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(claim(kind, "w" + i).orElseThrow().id()); // leases kept: running jobs count
        }

        assertThat(order).containsExactly("a-0", "b-0", "c-0", "a-1", "b-1", "a-2");
    }

    /** The loop's first look found nothing; wait until it LISTENs, so the NOTIFY is not missed. */
    private void awaitListening(String channel) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            int listeners = jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND query = 'LISTEN " + channel + "' AND state = 'idle'")
                    .query(Integer.class)
                    .single();
            if (listeners > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the loop never LISTENed on " + channel);
    }
}

package dev.safetune.worker.work;

import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.queue.JobQueue;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the tests of the short-work claimers share: a real PostgreSQL whose work tables are emptied before each test,
 * organisations {@code org-a}, {@code org-b} and {@code org-c}, the queue over them, and the jobs kind with a 30 s
 * lease renewed every 5 s and at most three attempts.
 */
abstract class ThreeOrganisationQueueTestBase {
    static final WorkPolicy POLICY = new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(5), OptionalInt.of(3));
    static final WorkKind JOBS = JobQueue.kind(POLICY);

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    JdbcClient jdbc;
    LeasedWorkQueue queue;

    @BeforeEach
    void emptyQueue() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = LeasedWorkQueueTest.emptyQueueOfThreeOrganisations(jdbc, database.dataSource());
    }

    /** Queues fine-tuning job {@code id} of organisation {@code org}. */
    void enqueue(String id, String org) {
        LeasedWorkQueueTest.Kind.JOBS.enqueue(jdbc, id, org);
    }

    String status(String id) {
        return LeasedWorkQueueTest.Kind.JOBS.status(jdbc, id);
    }

    int attempts(String id) {
        return LeasedWorkQueueTest.Kind.JOBS.attempts(jdbc, id);
    }
}

package dev.safetune.worker.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.job.JobTransition;
import dev.safetune.worker.queue.JobQueue;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkLoop} serving {@link ShortWorkHandler short work} against a real PostgreSQL: claims of a batch for the
 * loop's thread (fair across organisations within it), endings written with the next claim in one transaction and
 * fenced by each row's lease, and rows still held on stop handed back with their attempt.
 */
class ShortWorkLoopTest extends ThreeOrganisationQueueTestBase {

    /** Short work that records the order it ran in and what the database said while it ran. */
    private final class Recorder implements ShortWorkHandler<Lease> {
        final List<String> ran = new ArrayList<>();
        final int batch;
        Consumer<Lease> during = lease -> {};

        Recorder(int batch) {
            this.batch = batch;
        }

        @Override
        public WorkKind kind() {
            return JOBS;
        }

        @Override
        public int claimBatch() {
            return batch;
        }

        @Override
        public Lease claimed(Lease lease, ResultSet row) {
            return lease;
        }

        @Override
        public Lease lease(Lease work) {
            return work;
        }

        @Override
        public Ending run(Lease work) {
            ran.add(work.id());
            during.accept(work);
            return new Ending(JobTransition.SUCCEED.sqlGuard(), "succeeded", ", finished_at = now()", Map.of());
        }
    }

    private WorkLoop<Lease> loop(Recorder handler) {
        return new WorkLoop<>(
                queue,
                handler,
                new NotificationSignal(database.dataSource(), JobQueue.CHANNEL),
                Duration.ofSeconds(1),
                "w1");
    }

    @Test
    void aBatchServesEveryOrganisationWaitingAndItsEndingsWaitForTheNextClaim() throws Exception {
        for (int i = 0; i < 5; i++) {
            enqueue("a-" + i, "org-a");
        }
        enqueue("b-0", "org-b");
        Recorder handler = new Recorder(2);
        WorkLoop<Lease> loop = loop(handler);
        // While the first row of a batch of two runs, the second is already leased to this worker.
        handler.during = lease -> {
            if (lease.id().equals("a-0")) {
                assertThat(status("b-0")).isEqualTo("running");
            }
        };

        assertThat(loop.runNext()).isTrue();
        // a-0 ran, but its ending waits for the batch: the row is still running under its lease.
        assertThat(status("a-0")).isEqualTo("running");
        assertThat(loop.runNext()).isTrue();
        // The batch is done: both endings are written, in the commit that claimed the next two.
        assertThat(status("a-0")).isEqualTo("succeeded");
        assertThat(status("b-0")).isEqualTo("succeeded");
        assertThat(status("a-1")).isEqualTo("running");
        assertThat(status("a-2")).isEqualTo("running");

        while (loop.runNext()) {
            // the rest
        }
        assertThat(handler.ran).containsExactly("a-0", "b-0", "a-1", "a-2", "a-3", "a-4");
        assertThat(jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE status = 'succeeded'")
                        .query(Integer.class)
                        .single())
                .isEqualTo(6);
    }

    @Test
    void anEndingIsNotWrittenOnceTheLeaseWasLostAndTheOthersOfTheBatchAre() throws Exception {
        enqueue("a-0", "org-a");
        enqueue("a-1", "org-a");
        Recorder handler = new Recorder(2);
        WorkLoop<Lease> loop = loop(handler);
        // Another worker re-queued and claimed a-0 while it ran here (its lease had run out): a new attempt.
        handler.during = lease -> {
            if (lease.id().equals("a-0")) {
                jdbc.sql("UPDATE fine_tuning_jobs SET locked_by = 'w2', attempts = attempts + 1 WHERE id = 'a-0'")
                        .update();
            }
        };

        assertThat(loop.runNext()).isTrue();
        assertThat(loop.runNext()).isTrue();

        assertThat(status("a-0")).isEqualTo("running"); // still w2's: the fence refused w1's ending
        assertThat(status("a-1")).isEqualTo("succeeded");
    }

    @Test
    void rowsStillHeldWhenTheLoopStopsGoBackWithTheirAttempt() throws Exception {
        for (int i = 0; i < 3; i++) {
            enqueue("a-" + i, "org-a");
        }
        WorkLoop<Lease> loop = loop(new Recorder(3));

        assertThat(loop.runNext()).isTrue(); // ran a-0; a-1 and a-2 held
        assertThat(status("a-1")).isEqualTo("running");
        loop.stop();

        assertThat(status("a-0")).isEqualTo("succeeded"); // an ending that waited is written on stop
        assertThat(status("a-1")).isEqualTo("queued");
        assertThat(status("a-2")).isEqualTo("queued");
        assertThat(attempts("a-1")).isZero();
        assertThat(attempts("a-2")).isZero();
    }
}

package dev.safetune.worker.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.job.JobTransition;
import dev.safetune.worker.queue.JobQueue;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkLoop}s of {@link ShortWorkHandler short work} sharing one {@link BatchClaimer} per process, against a real
 * PostgreSQL: the claimer hands out its batch fairly across organisations, endings are written in batches each fenced
 * by its own lease (a lost lease refused for its row alone), a stopped process gives back the rows it still held, and
 * competing processes run every row exactly once.
 */
class SharedClaimerLoopTest extends ThreeOrganisationQueueTestBase {

    private int count(String status) {
        return jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE status = :status")
                .param("status", status)
                .query(Integer.class)
                .single();
    }

    /** Short work that records the order it ran in and can act while it runs. */
    private static final class Recorder implements ShortWorkHandler<Lease> {
        final List<String> ran = Collections.synchronizedList(new ArrayList<>());
        Consumer<Lease> during = lease -> {};

        @Override
        public WorkKind kind() {
            return JOBS;
        }

        @Override
        public int claimBatch() {
            return 1; // not used by a loop that shares a claimer: the claimer's batch is
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

    private WorkLoop<Lease> loop(Recorder handler, BatchClaimer<Lease> claimer, String name) {
        return new WorkLoop<>(
                queue,
                handler,
                claimer,
                new NotificationSignal(database.dataSource(), JobQueue.CHANNEL),
                Duration.ofSeconds(1),
                name);
    }

    @Test
    void theClaimerHandsItsLoopsABatchFairAcrossOrganisations() throws Exception {
        for (int i = 0; i < 5; i++) {
            enqueue("a-" + i, "org-a");
        }
        enqueue("b-0", "org-b");
        Recorder handler = new Recorder();
        BatchClaimer<Lease> claimer = BatchClaimer.forShortWork(queue, handler, "p1", 2);
        WorkLoop<Lease> first = loop(handler, claimer, "t1");
        WorkLoop<Lease> second = loop(handler, claimer, "t2");

        // One claim of two for both loops: B's one row is not queued behind A's five.
        assertThat(first.runNext()).isTrue();
        assertThat(second.runNext()).isTrue();
        assertThat(handler.ran).containsExactly("a-0", "b-0");
        assertThat(jdbc.sql("SELECT count(DISTINCT locked_by) FROM fine_tuning_jobs WHERE attempts > 0")
                        .query(Integer.class)
                        .single())
                .as("rows claimed under the process's one worker id")
                .isEqualTo(1);

        while (first.runNext() || second.runNext()) {
            // the rest
        }
        // A loop that found nothing more to claim wrote the endings still waiting.
        assertThat(handler.ran).hasSize(6);
        assertThat(count("succeeded")).isEqualTo(6);
        assertThat(claimer.lostEndings()).isZero();
        assertThat(claimer.stop()).isEmpty();
    }

    @Test
    void endingsWaitToBeWrittenInABatchEachFencedByItsOwnLease() throws Exception {
        for (int i = 0; i < 8; i++) {
            enqueue("a-" + i, "org-a");
        }
        Recorder handler = new Recorder();
        BatchClaimer<Lease> claimer = BatchClaimer.forShortWork(queue, handler, "p1", 8);
        assertThat(claimer.endingsBatch()).as("half the batch").isEqualTo(4);
        WorkLoop<Lease> loop = loop(handler, claimer, "t1");
        // Another worker took a-1 over while it ran here (its lease had run out): a new attempt, not ours.
        handler.during = lease -> {
            if (lease.id().equals("a-1")) {
                jdbc.sql("UPDATE fine_tuning_jobs SET locked_by = 'p2', attempts = attempts + 1 WHERE id = 'a-1'")
                        .update();
            }
        };

        assertThat(loop.runNext()).isTrue();
        assertThat(status("a-0")).as("its ending waits for more").isEqualTo("running");
        assertThat(loop.runNext()).isTrue();
        assertThat(status("a-0")).isEqualTo("running");
        claimer.writeEndings();

        // Both endings went in one write: a-0's was written, a-1's refused by the fence (a-1 is p2's now).
        assertThat(status("a-0")).isEqualTo("succeeded");
        assertThat(status("a-1")).isEqualTo("running");
        assertThat(jdbc.sql("SELECT locked_by FROM fine_tuning_jobs WHERE id = 'a-1'")
                        .query(String.class)
                        .single())
                .isEqualTo("p2");
        assertThat(claimer.lostEndings()).isEqualTo(1);
        claimer.stop();
    }

    @Test
    void aStaleProcessesEndingIsFencedOutAfterItsLeaseExpiredAndTheRowWasClaimedAgain() throws Exception {
        enqueue("a-0", "org-a");
        enqueue("a-1", "org-a");
        Recorder handler = new Recorder();
        BatchClaimer<Lease> stale = BatchClaimer.forShortWork(queue, handler, "p1", 2);
        BatchClaimer<Lease> live = BatchClaimer.forShortWork(queue, handler, "p2", 2);
        WorkLoop<Lease> staleLoop = loop(handler, stale, "t1");
        // While p1 runs a-0 its lease runs out; the expiry re-queues it and p2 claims and finishes it.
        handler.during = lease -> {
            if (lease.workerId().equals("p1") && lease.id().equals("a-0")) {
                jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() - interval '1 second' WHERE id = 'a-0'")
                        .update();
                assertThat(queue.expire(JOBS, new DeadWorkHandler() {}))
                        .extracting(Expired::id)
                        .containsExactly("a-0");
                Lease again = live.next().orElseThrow();
                assertThat(again.id()).isEqualTo("a-0");
                assertThat(again.attempt()).isEqualTo(2);
                live.ended(new LeasedWorkQueue.Ended(again, run(again)));
                live.writeEndings();
            }
        };

        assertThat(staleLoop.runNext()).isTrue();
        stale.writeEndings();

        assertThat(stale.lostEndings()).isEqualTo(1); // p1's ending of a-0 refused
        assertThat(live.lostEndings()).isZero();
        assertThat(status("a-0")).isEqualTo("succeeded");
        assertThat(jdbc.sql("SELECT locked_by FROM fine_tuning_jobs WHERE id = 'a-0'")
                        .query(String.class)
                        .single())
                .isEqualTo("p2");
        assertThat(attempts("a-0")).isEqualTo(2);
        stale.stop();
        live.stop();
    }

    private static ShortWorkHandler.Ending run(Lease lease) {
        return new ShortWorkHandler.Ending(JobTransition.SUCCEED.sqlGuard(), "succeeded", "", Map.of());
    }

    @Test
    void aStoppedProcessWritesItsEndingsAndGivesBackTheRowsItHeld() throws Exception {
        for (int i = 0; i < 4; i++) {
            enqueue("a-" + i, "org-a");
        }
        Recorder handler = new Recorder();
        BatchClaimer<Lease> claimer = BatchClaimer.forShortWork(queue, handler, "p1", 4);
        WorkLoop<Lease> loop = loop(handler, claimer, "t1");

        assertThat(loop.runNext()).isTrue(); // ran a-0; a-1..a-3 buffered, leased to p1
        assertThat(status("a-1")).isEqualTo("running");
        loop.stop();
        assertThat(status("a-0"))
                .as("the loop's stop writes the endings waiting")
                .isEqualTo("succeeded");
        assertThat(claimer.stop()).extracting(Lease::id).containsExactly("a-1", "a-2", "a-3");

        for (String id : List.of("a-1", "a-2", "a-3")) {
            assertThat(status(id)).isEqualTo("queued");
            assertThat(attempts(id)).isZero(); // they never ran: the claim's attempt is given back
        }
        assertThat(claimer.next()).isEmpty();
    }

    @Test
    void competingProcessesRunEveryRowExactlyOnce() throws Exception {
        for (int i = 0; i < 300; i++) {
            enqueue(
                    String.format("j-%03d", i),
                    List.of("org-a", "org-b", "org-c").get(i % 3));
        }
        Recorder handler = new Recorder();
        List<BatchClaimer<Lease>> claimers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> runs = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                BatchClaimer<Lease> claimer = BatchClaimer.forShortWork(queue, handler, "p" + p, 12);
                claimers.add(claimer);
                for (int t = 0; t < 3; t++) { // two processes, three loops each
                    WorkLoop<Lease> loop = loop(handler, claimer, "p" + p + "-t" + t);
                    runs.add(pool.submit(() -> {
                        while (loop.runNext()) {
                            // the loop claims through the claimer, runs and hands the ending back
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> run : runs) {
                run.get();
            }
        }
        claimers.forEach(BatchClaimer::stop);

        assertThat(handler.ran).hasSize(300).doesNotHaveDuplicates();
        assertThat(count("succeeded")).isEqualTo(300);
        assertThat(claimers).allSatisfy(c -> assertThat(c.lostEndings()).isZero());
        assertThat(jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE attempts <> 1")
                        .query(Integer.class)
                        .single())
                .isZero();
    }
}

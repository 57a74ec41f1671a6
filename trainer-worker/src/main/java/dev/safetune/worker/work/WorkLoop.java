package dev.safetune.worker.work;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loop for every kind of leased work: re-queue (or give up) expired leases, claim the next row fairly, run
 * it with its {@link WorkHandler}, and when there was nothing to claim wait for a NOTIFY or the poll interval.
 *
 * <p>Expiry runs at most once per heartbeat interval rather than before every claim: a lease is only late after a
 * whole lease duration (at least three heartbeat intervals), so looking more often finds nothing and costs a round
 * trip per claim.
 *
 * <p>For {@link ShortWorkHandler short work} the loop claims up to the handler's batch of rows per statement for its
 * thread, runs them one after the other, and writes their endings itself, all in one transaction with the next claim
 * ({@link LeasedWorkQueue#completeAndClaimBatch}): a batch costs one claim statement and one commit, instead of a
 * claim and a commit per row. Each thread claims for itself: no claimer thread to wait for, no lock between the
 * threads of a process.
 *
 * <p>Or, for short work served by many threads, the process's loops of the kind share one {@link BatchClaimer}
 * (db-scheduler's design): it claims a batch for all of them in one statement and writes their endings in batches,
 * so the threads only run work and never contend with each other for the head of the claimable index (the
 * benchmark's {@code claimer} mode, docs/benchmarks.md).
 */
public final class WorkLoop<C> extends PollingLoop {
    private static final Logger log = LoggerFactory.getLogger(WorkLoop.class);

    private final LeasedWorkQueue queue;
    private final WorkHandler<C> handler;
    private final WorkKind kind;
    private final String workerId;
    private final ShortWorkHandler<C> shortWork;
    /**
     * Rows claimed for this loop's thread and not yet run (short work only), with the time of their claim; concurrent,
     * because {@link #afterStop} may empty it while a thread that did not stop in time still runs.
     */
    private final ConcurrentLinkedDeque<Held<C>> held = new ConcurrentLinkedDeque<>();

    /** Short work that has run and whose ending is not written yet (written with the next claim). */
    private final ConcurrentLinkedDeque<LeasedWorkQueue.Ended> ended = new ConcurrentLinkedDeque<>();

    /** The claimer this loop shares with the process's other loops of the kind (short work only), or null. */
    private final BatchClaimer<C> claimer;

    private long nextExpiry = System.nanoTime();

    private record Held<C>(C work, long claimedNanos) {}

    public WorkLoop(
            LeasedWorkQueue queue,
            WorkHandler<C> handler,
            NotificationSignal signal,
            Duration pollInterval,
            String workerId) {
        this(
                queue,
                handler,
                null,
                signal,
                pollInterval,
                workerId,
                handler.kind().name() + "-loop-" + workerId);
    }

    /**
     * A loop of short work that takes its rows from the process's {@code claimer} (shared with the process's other
     * loops of the kind, under its worker id) and hands it their endings; the claimer's owner stops it after the loops.
     */
    public WorkLoop(
            LeasedWorkQueue queue,
            ShortWorkHandler<C> handler,
            BatchClaimer<C> claimer,
            NotificationSignal signal,
            Duration pollInterval,
            String threadName) {
        this(queue, handler, claimer, signal, pollInterval, claimer.workerId(), threadName);
        if (!claimer.kind().equals(handler.kind())) {
            throw new IllegalArgumentException(
                    "the claimer claims " + claimer.kind().name() + ", the handler runs "
                            + handler.kind().name());
        }
    }

    private WorkLoop(
            LeasedWorkQueue queue,
            WorkHandler<C> handler,
            BatchClaimer<C> claimer,
            NotificationSignal signal,
            Duration pollInterval,
            String workerId,
            String threadName) {
        super(threadName, signal, pollInterval);
        this.claimer = claimer;
        this.queue = queue;
        this.handler = handler;
        this.kind = handler.kind();
        this.workerId = workerId;
        this.shortWork = handler instanceof ShortWorkHandler<C> s ? s : null;
        if (shortWork != null && shortWork.claimBatch() < 1) {
            throw new IllegalArgumentException("claim batch must be at least 1, got " + shortWork.claimBatch());
        }
    }

    public String workerId() {
        return workerId;
    }

    public WorkHandler<C> handler() {
        return handler;
    }

    /**
     * Claims the next row and runs it to its end on the calling thread.
     *
     * @return whether there was one
     * @throws InterruptedException when the thread was interrupted while idle (not while running: an interrupt then
     *     belongs to the work, which has ended)
     */
    @Override
    public boolean runNext() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        expireIfDue();
        if (shortWork != null) {
            return runShort();
        }
        Optional<C> work = queue.claim(kind, workerId, handler.claimFilter(), handler::claimed);
        if (work.isEmpty()) {
            return false;
        }
        handler.execute(work.get());
        // An interrupt was meant for the work that has now ended (a lost lease, or a stop the loop sees through its
        // flag); it must not cut the next wait or claim short.
        Thread.interrupted();
        return true;
    }

    /**
     * Short work: the next held row (claiming a batch when none is held) is run; its ending waits with the others of
     * the batch and is written, with the next claim, once the loop holds no more rows.
     */
    private boolean runShort() {
        if (claimer != null) {
            return runClaimed();
        }
        Held<C> next = nextHeld();
        if (next == null) {
            writeEndings(true);
            next = nextHeld();
            if (next == null) {
                return false;
            }
        }
        C work = next.work();
        try {
            ended.add(new LeasedWorkQueue.Ended(shortWork.lease(work), shortWork.run(work)));
        } catch (RuntimeException e) {
            // The row that failed is left to its lease (re-queued on expiry); the ones that ran are ended now.
            writeEndings(false);
            throw e;
        }
        if (held.isEmpty()) {
            writeEndings(true);
        }
        Thread.interrupted(); // as in runNext: an interrupt meant for the work that has ended
        return true;
    }

    /**
     * Short work from the process's claimer: the next row it hands out is run, and its ending handed back to the
     * claimer, which writes it with others (fenced by the row's own lease).
     */
    private boolean runClaimed() {
        Optional<C> next = claimer.next();
        if (next.isEmpty()) {
            return false;
        }
        C work = next.get();
        // A run that throws leaves its row to its lease (re-queued on expiry), as without a claimer.
        LeasedWorkQueue.Ended ending = new LeasedWorkQueue.Ended(shortWork.lease(work), shortWork.run(work));
        claimer.ended(ending);
        Thread.interrupted(); // as in runNext: an interrupt meant for the work that has ended
        return true;
    }

    /** Writes the endings waiting in {@link #ended} and, if {@code claim}, claims the next batch in the same commit. */
    private void writeEndings(boolean claim) {
        List<LeasedWorkQueue.Ended> done = new java.util.ArrayList<>();
        for (LeasedWorkQueue.Ended e = ended.poll(); e != null; e = ended.poll()) {
            done.add(e);
        }
        if (done.isEmpty() && !claim) {
            return;
        }
        LeasedWorkQueue.BatchCycle<C> cycle = queue.completeAndClaimBatch(
                kind, done, workerId, claim ? shortWork.claimBatch() : 0, handler.claimFilter(), handler::claimed);
        cycle.lost()
                .forEach(lease ->
                        log.warn("{} {}: its lease was lost before its ending was written", kind.name(), lease.id()));
        hold(cycle.next());
    }

    private void hold(List<C> claimed) {
        long now = System.nanoTime();
        claimed.forEach(c -> held.add(new Held<>(c, now)));
    }

    /**
     * The next held row whose lease is less than half gone; older ones are given back: they waited behind slower work
     * than the batch was sized for, and another worker should take them before their lease runs out under them.
     */
    private Held<C> nextHeld() {
        long halfLease = kind.policy().leaseDuration().toNanos() / 2;
        for (Held<C> h = held.poll(); h != null; h = held.poll()) {
            if (System.nanoTime() - h.claimedNanos() < halfLease) {
                return h;
            }
            giveBack(h.work());
        }
        return null;
    }

    /** Hands a held row back to the queue with the attempt its claim counted (it never ran). */
    private void giveBack(C work) {
        queue.release(kind, shortWork.lease(work), ", locked_by = NULL, attempts = attempts - 1");
    }

    private void expireIfDue() {
        long now = System.nanoTime();
        if (now - nextExpiry < 0) {
            return;
        }
        nextExpiry = now + kind.policy().heartbeatInterval().toNanos();
        List<Expired> requeued = queue.expire(kind, handler);
        if (!requeued.isEmpty()) {
            log.info(
                    "{}: re-queued rows whose worker stopped heartbeating: {}",
                    kind.name(),
                    requeued.stream().map(Expired::id).toList());
        }
    }

    @Override
    protected void beforeInterrupt() {
        handler.beforeStop();
    }

    @Override
    protected void afterStop() {
        // The loop's thread has ended (or stop gave up waiting for it): endings of work that ran are written, and rows
        // it still held go back at once.
        if (claimer != null) {
            claimer.writeEndings(); // the rows the claimer still buffers are its owner's to give back
        } else if (shortWork != null && !ended.isEmpty()) {
            writeEndings(false);
        }
        for (Held<C> h = held.poll(); h != null; h = held.poll()) {
            giveBack(h.work());
        }
        handler.afterStop();
    }
}

package dev.safetune.worker.work;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimer for all the threads of a process that serve one kind of work (db-scheduler's lock-and-fetch poller):
 * rows are claimed a batch at a time in one statement ({@link LeasedWorkQueue#claimBatch}, fair across organisations
 * within the batch) into an in-memory buffer the threads take from without a round trip. When the buffer falls to the
 * low-water mark (half the batch) a background thread claims the next batch while the threads keep working
 * (db-scheduler's lower limit), so they do not stall on the claim; a thread that finds the buffer empty claims itself
 * if fewer than two claims are in flight, and the others wait for those batches rather than each running a claim of
 * their own. The threads of a process therefore never race each other over the head of the claimable index, and a
 * claim costs one statement per batch instead of one per row. A thread reports nothing to claim only once a claim it
 * waited for found nothing and no other is in flight.
 *
 * <p><b>Endings of short work.</b> The {@link WorkLoop}s of {@link ShortWorkHandler short work} that share a claimer
 * hand it the endings of the rows they ran ({@link #ended}); it writes them in batches, each row fenced by its own
 * lease (one statement for the rows ending the same way, {@link LeasedWorkQueue#completeAndClaimBatch}): the endings
 * waiting when a batch is claimed go into the claim's transaction, and once {@link #endingsBatch()} of them wait,
 * the thread that handed in the last writes them at once (threads write concurrently, beside the claims). An ending
 * whose lease was lost (re-queued and claimed again elsewhere) is refused for that row alone; the others are written.
 * A thread that finds nothing more to claim first writes the endings still waiting, so the queue's last rows do not
 * wait for more work to end.
 *
 * <p>Rows in the buffer are leased already (their lease runs from the claim) but not heartbeated, so the batch should
 * be small against the lease: a few rows per thread for short work, one per idle thread for long work. A buffered row
 * whose lease is half gone is given back instead of handed out. {@link #stop()} writes the endings waiting and hands
 * every row still in the buffer back to the queue at once, giving back the attempt the claim counted (the row never
 * ran), so a stopping process leaves nothing to wait out a lease.
 *
 * @param <C> the claimed work as the handler runs it
 */
public final class BatchClaimer<C> {
    private static final Logger log = LoggerFactory.getLogger(BatchClaimer.class);

    /**
     * At most two claim statements of a process in flight: one's commit (a WAL flush) and its way back overlap the
     * other's work, where one at a time leaves the threads waiting on each claim's round trip. Two claims of one
     * process skip each other's rows like any two claims (SKIP LOCKED), and together ask for no more than a batch.
     */
    private static final int MAX_CLAIMS_IN_FLIGHT = 2;

    private final LeasedWorkQueue queue;
    private final WorkKind kind;
    private final String workerId;
    private final int batchSize;
    private final int endingsBatch;
    private final ClaimFilter filter;
    private final LeasedWorkQueue.ClaimMapper<C> mapper;
    private final Function<C, Lease> leaseOf;
    private final ArrayDeque<Held<C>> buffer = new ArrayDeque<>();
    private final ExecutorService prefetcher;
    /** Claims in flight (background or on threads that found the buffer empty); guarded by {@code this}. */
    private int claims;

    /** The rows the claims in flight asked for; guarded by {@code this}. */
    private int requested;

    /** The background claim is in flight; guarded by {@code this}. */
    private boolean prefetching;

    private boolean stopped;
    /**
     * The last claim found nothing; guarded by {@code this}. The threads that waited for it report nothing instead of
     * each claiming again in turn: a claim of a drained queue walks the claimable index's entries of the rows claimed
     * since the last VACUUM, and serialised over every thread of the process that is most of a short run's tail.
     */
    private boolean drained;

    private final ConcurrentLinkedQueue<LeasedWorkQueue.Ended> endings = new ConcurrentLinkedQueue<>();
    private final AtomicInteger endingsWaiting = new AtomicInteger();
    private final AtomicInteger lostEndings = new AtomicInteger();

    private record Held<C>(C work, long claimedNanos) {}

    /**
     * @param batchSize the most rows one claim statement takes (db-scheduler's lock-and-fetch takes up to 4 x threads)
     * @param leaseOf the lease of a claimed row, to release it on {@link #stop()} and to fence its ending
     */
    public BatchClaimer(
            LeasedWorkQueue queue,
            WorkKind kind,
            String workerId,
            int batchSize,
            ClaimFilter filter,
            LeasedWorkQueue.ClaimMapper<C> mapper,
            Function<C, Lease> leaseOf) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.queue = queue;
        this.kind = kind;
        this.workerId = workerId;
        this.batchSize = batchSize;
        // Half the batch, the low-water mark: about as many endings wait as rows were handed out since the last claim,
        // so most go into a claim's commit; the threads write them only when the claims fall behind. (A quarter, one
        // ending per thread per write with the usual batch of 4 x threads, was slower at 2 and 16 threads.)
        this.endingsBatch = Math.max(1, batchSize / 2);
        this.filter = filter;
        this.mapper = mapper;
        this.leaseOf = leaseOf;
        this.prefetcher = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .daemon()
                .name(kind.name() + "-claimer-" + workerId)
                .factory());
    }

    /**
     * The claimer of a process's loops of one kind of short work: they share it ({@link WorkLoop}'s constructor with
     * a claimer), and it claims with the handler's filter and writes the endings they hand it.
     *
     * @param batchSize the most rows per claim statement; 4 x the loops sharing it is db-scheduler's upper limit
     */
    public static <C> BatchClaimer<C> forShortWork(
            LeasedWorkQueue queue, ShortWorkHandler<C> handler, String workerId, int batchSize) {
        return new BatchClaimer<>(
                queue, handler.kind(), workerId, batchSize, handler.claimFilter(), handler::claimed, handler::lease);
    }

    public String workerId() {
        return workerId;
    }

    public WorkKind kind() {
        return kind;
    }

    /** How many waiting endings a thread writes at once, without waiting for the next claim. */
    public int endingsBatch() {
        return endingsBatch;
    }

    /**
     * The next claimed row for the calling thread: from the buffer, or from a new batch when it is empty.
     *
     * @return empty when nothing is claimable (the endings waiting have then been written), or after {@link #stop()}
     */
    public Optional<C> next() {
        List<C> stale = new ArrayList<>();
        try {
            return take(stale);
        } finally {
            stale.forEach(row -> release(leaseOf.apply(row)));
        }
    }

    private Optional<C> take(List<C> stale) {
        boolean waited = false;
        while (true) {
            int wanted;
            synchronized (this) {
                if (stopped) {
                    return Optional.empty();
                }
                C row = poll(stale);
                if (row != null) {
                    if (prefetching || claims >= MAX_CLAIMS_IN_FLIGHT || buffer.size() + requested > batchSize / 2) {
                        return Optional.of(row);
                    }
                    prefetching = true;
                    claims++;
                    return startPrefetch(row);
                }
                if (claims == 0 && waited && drained) {
                    break; // the claim this thread waited for found nothing: no second claim of a drained queue
                }
                if (claims >= MAX_CLAIMS_IN_FLIGHT || (waited && drained)) {
                    waited = true;
                    try {
                        wait(); // a claim in flight brings the rows this thread would otherwise race for
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Optional.empty();
                    }
                    continue;
                }
                // Nothing buffered: claim here, outside the lock (the threads that come next wait for this batch).
                wanted = Math.max(1, batchSize - requested);
                claims++;
                requested += wanted;
            }
            Optional<C> claimed = claimHere(stale, wanted);
            if (claimed != null) {
                return claimed;
            }
            waited = true; // this claim found nothing, but another in flight may bring rows: wait for it
        }
        writeEndings(); // the queue is empty for now: leave no ending waiting for more work
        return Optional.empty();
    }

    /**
     * Claims {@code wanted} rows on the calling thread (which found the buffer empty), not holding the lock, and
     * hands it the first.
     *
     * @return null when this claim found nothing while another claim is still in flight
     */
    private Optional<C> claimHere(List<C> stale, int wanted) {
        List<C> claimed = List.of();
        try {
            claimed = claimWithEndings(wanted);
        } finally {
            synchronized (this) {
                claims--;
                requested -= wanted;
                drained = claimed.isEmpty();
                if (!stopped) {
                    claimed.forEach(this::hold);
                    claimed = List.of();
                }
                notifyAll();
            }
            stale.addAll(claimed); // stopped meanwhile: these go straight back
        }
        synchronized (this) {
            C row = stopped ? null : poll(stale);
            if (row != null) {
                return Optional.of(row);
            }
            if (!stopped && claims > 0) {
                return null;
            }
        }
        writeEndings(); // the queue is empty for now: leave no ending waiting for more work
        return Optional.empty();
    }

    private Optional<C> startPrefetch(C row) {
        try {
            prefetcher.execute(this::prefetch);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                // stopped meanwhile: nothing more to claim
                prefetching = false;
                claims--;
                notifyAll();
            }
        }
        return Optional.of(row);
    }

    /** The next buffered row whose lease is less than half gone; older ones go to {@code stale} (given back). */
    private C poll(List<C> stale) {
        long halfLease = kind.policy().leaseDuration().toNanos() / 2;
        for (Held<C> h = buffer.poll(); h != null; h = buffer.poll()) {
            if (System.nanoTime() - h.claimedNanos() < halfLease) {
                return h.work();
            }
            stale.add(h.work());
        }
        return null;
    }

    private void hold(C row) {
        buffer.add(new Held<>(row, System.nanoTime()));
    }

    /** Tops the buffer up to a batch, off the worker threads. */
    private void prefetch() {
        List<C> late = List.of();
        int wanted = 0;
        try {
            synchronized (this) {
                // Counted when the claim starts, not when it was asked for: the threads drained the buffer meanwhile.
                wanted = batchSize - buffer.size() - requested;
                if (stopped || wanted < 1) {
                    wanted = 0;
                    return;
                }
                requested += wanted;
            }
            List<C> claimed = claimWithEndings(wanted);
            synchronized (this) {
                drained = claimed.isEmpty();
                if (stopped) {
                    late = claimed; // stop() already emptied the buffer: these go straight back
                } else {
                    claimed.forEach(this::hold);
                }
            }
        } catch (RuntimeException e) {
            log.warn("{}: a batch claim failed; the next thread to find the buffer low claims again", kind.name(), e);
        } finally {
            synchronized (this) {
                prefetching = false;
                claims--;
                requested -= wanted;
                notifyAll();
            }
            late.forEach(row -> release(leaseOf.apply(row)));
        }
    }

    /** Claims up to {@code n} rows, writing the endings waiting in the same transaction. */
    private List<C> claimWithEndings(int n) {
        List<LeasedWorkQueue.Ended> done = drainEndings();
        if (done.isEmpty()) {
            return queue.claimBatch(kind, workerId, n, filter, mapper);
        }
        LeasedWorkQueue.BatchCycle<C> cycle;
        try {
            cycle = queue.completeAndClaimBatch(kind, done, workerId, n, filter, mapper);
        } catch (RuntimeException e) {
            endings.addAll(done); // rolled back: written with the next claim or flush (each still fenced)
            endingsWaiting.addAndGet(done.size());
            throw e;
        }
        logLost(cycle.lost());
        return cycle.next();
    }

    /**
     * Takes the ending of a row a thread ran (its lease is {@code leaseOf} the claimed row); written with the next
     * claim, or at once by this thread when {@link #endingsBatch()} endings wait and no other thread is writing.
     */
    public void ended(LeasedWorkQueue.Ended ending) {
        endings.add(ending);
        if (endingsWaiting.incrementAndGet() >= endingsBatch) {
            writeEndings();
        }
    }

    /**
     * Writes the endings waiting now, on the calling thread. Threads write concurrently, each what it drained: their
     * commits overlap (PostgreSQL flushes them together), where one writer at a time would queue them behind each
     * other's WAL flush.
     */
    public void writeEndings() {
        List<LeasedWorkQueue.Ended> done = drainEndings();
        if (done.isEmpty()) {
            return;
        }
        try {
            logLost(queue.completeAndClaimBatch(kind, done, workerId, 0, filter, mapper)
                    .lost());
        } catch (RuntimeException e) {
            endings.addAll(done); // rolled back: written by the next write (each still fenced)
            endingsWaiting.addAndGet(done.size());
            throw e;
        }
    }

    private List<LeasedWorkQueue.Ended> drainEndings() {
        List<LeasedWorkQueue.Ended> done = new ArrayList<>();
        for (LeasedWorkQueue.Ended e = endings.poll(); e != null; e = endings.poll()) {
            done.add(e);
        }
        endingsWaiting.addAndGet(-done.size());
        return done;
    }

    private void logLost(List<Lease> lost) {
        if (!lost.isEmpty()) {
            lostEndings.addAndGet(lost.size());
            lost.forEach(lease ->
                    log.warn("{} {}: its lease was lost before its ending was written", kind.name(), lease.id()));
        }
    }

    /** Endings refused so far because their row's lease had been lost (the row is someone else's now). */
    public int lostEndings() {
        return lostEndings.get();
    }

    private boolean release(Lease lease) {
        // The claim counted an attempt; the row never ran, so it should not count toward giving the row up.
        return queue.release(kind, lease, ", locked_by = NULL, attempts = attempts - 1");
    }

    /** Rows claimed and not yet handed to a thread. */
    public synchronized int buffered() {
        return buffer.size();
    }

    /**
     * Stops handing out rows, writes the endings waiting, and gives the buffered rows back to the queue (announced by
     * NOTIFY), each fenced by its own lease. Stop the loops sharing the claimer first: an ending handed in later is
     * written only by another {@link #writeEndings()}.
     *
     * @return the rows given back
     */
    public List<Lease> stop() {
        List<C> left = new ArrayList<>();
        synchronized (this) {
            stopped = true;
            buffer.forEach(h -> left.add(h.work()));
            buffer.clear();
            notifyAll();
        }
        prefetcher.shutdown();
        try {
            // A prefetch in flight releases its own rows once it sees the stop.
            prefetcher.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writeEndings();
        List<Lease> released = new ArrayList<>();
        for (C row : left) {
            Lease lease = leaseOf.apply(row);
            if (release(lease)) {
                released.add(lease);
            }
        }
        return released;
    }
}

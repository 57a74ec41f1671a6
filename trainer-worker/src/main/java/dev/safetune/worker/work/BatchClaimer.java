package dev.safetune.worker.work;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One claimer for all the threads of a process that serve one kind of work (db-scheduler's lock-and-fetch poller):
 * rows are claimed a batch at a time in one statement ({@link LeasedWorkQueue#claimBatch}, fair across organisations
 * within the batch) into an in-memory buffer the threads take from without a round trip. When the buffer falls to the
 * low-water mark (half the batch) a background thread claims the next batch while the threads keep working
 * (db-scheduler's lower limit), so they do not stall on the claim; a thread that finds the buffer empty claims
 * itself. The threads no longer race each other over the head of the claimable index, and a claim costs one statement
 * per batch instead of one per row.
 *
 * <p>Rows in the buffer are leased already (their lease runs from the claim), so the batch should be small against the
 * lease: a few rows per thread for short work, one per idle thread for long work. {@link #stop()} hands every row
 * still in the buffer back to the queue at once, giving back the attempt the claim counted (the row never ran), so a
 * stopping process leaves nothing to wait out a lease.
 *
 * @param <C> the claimed work as the handler runs it
 */
public final class BatchClaimer<C> {
    private final LeasedWorkQueue queue;
    private final WorkKind kind;
    private final String workerId;
    private final int batchSize;
    private final ClaimFilter filter;
    private final LeasedWorkQueue.ClaimMapper<C> mapper;
    private final Function<C, Lease> leaseOf;
    private final ArrayDeque<C> buffer = new ArrayDeque<>();
    private final ExecutorService prefetcher;
    private final AtomicBoolean prefetching = new AtomicBoolean();
    private boolean stopped;

    /**
     * @param batchSize the most rows one claim statement takes (db-scheduler's lock-and-fetch takes up to 4 x threads)
     * @param leaseOf the lease of a claimed row, to release it on {@link #stop()}
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
        this.filter = filter;
        this.mapper = mapper;
        this.leaseOf = leaseOf;
        this.prefetcher = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .daemon()
                .name(kind.name() + "-claimer-" + workerId)
                .factory());
    }

    /**
     * The next claimed row for the calling thread: from the buffer, or from a new batch when it is empty.
     *
     * @return empty when nothing is claimable, or after {@link #stop()}
     */
    public Optional<C> next() {
        C row;
        synchronized (this) {
            if (stopped) {
                return Optional.empty();
            }
            row = buffer.poll();
            if (row == null) {
                // Nothing buffered: claim on this thread (the others wait for this batch rather than each running a
                // claim of their own against the same rows).
                buffer.addAll(queue.claimBatch(kind, workerId, batchSize, filter, mapper));
                row = buffer.poll();
            }
            // A prefetch in flight holds the rows the claim skipped: wait for them rather than report none.
            while (row == null && prefetching.get() && !stopped) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
                row = buffer.poll();
            }
            if (row == null || buffer.size() > batchSize / 2 || !prefetching.compareAndSet(false, true)) {
                return Optional.ofNullable(row);
            }
        }
        try {
            prefetcher.execute(this::prefetch);
        } catch (RejectedExecutionException e) {
            prefetching.set(false); // stopped meanwhile: nothing more to claim
        }
        return Optional.of(row);
    }

    /** Tops the buffer up to a batch, off the worker threads. */
    private void prefetch() {
        try {
            int wanted;
            synchronized (this) {
                wanted = batchSize - buffer.size();
                if (stopped || wanted < 1) {
                    return;
                }
            }
            List<C> claimed = queue.claimBatch(kind, workerId, wanted, filter, mapper);
            List<C> late = List.of();
            synchronized (this) {
                if (stopped) {
                    late = claimed; // stop() already emptied the buffer: these go straight back
                } else {
                    buffer.addAll(claimed);
                }
            }
            late.forEach(row -> release(leaseOf.apply(row)));
        } finally {
            prefetching.set(false);
            synchronized (this) {
                notifyAll();
            }
        }
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
     * Stops handing out rows and gives the buffered ones back to the queue (announced by NOTIFY), each fenced by its
     * own lease.
     *
     * @return the rows given back
     */
    public List<Lease> stop() {
        List<C> left;
        synchronized (this) {
            stopped = true;
            left = new ArrayList<>(buffer);
            buffer.clear();
        }
        prefetcher.shutdown();
        try {
            // A prefetch in flight releases its own rows once it sees the stop.
            prefetcher.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

package dev.safetune.worker.work;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One claimer for all the threads of a process that serve one kind of work (db-scheduler's lock-and-fetch poller):
 * a thread that finds the in-memory buffer empty claims a batch for everyone in one statement
 * ({@link LeasedWorkQueue#claimBatch}, fair across organisations within the batch), and the other threads take rows
 * from the buffer without a round trip. The threads no longer race each other over the head of the claimable index,
 * and a claim costs one statement per batch instead of one per row.
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
    }

    /**
     * The next claimed row for the calling thread: from the buffer, or from a new batch when it is empty.
     *
     * @return empty when nothing is claimable, or after {@link #stop()}
     */
    public synchronized Optional<C> next() {
        if (stopped) {
            return Optional.empty();
        }
        if (buffer.isEmpty()) {
            // Holding the lock through the claim is the point: the other threads wait for this batch rather than
            // each running a claim of their own against the same rows.
            buffer.addAll(queue.claimBatch(kind, workerId, batchSize, filter, mapper));
        }
        return Optional.ofNullable(buffer.poll());
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
    public synchronized List<Lease> stop() {
        stopped = true;
        List<Lease> released = new ArrayList<>();
        for (C row : buffer) {
            Lease lease = leaseOf.apply(row);
            // The claim counted an attempt; the row never ran, so it should not count toward giving the row up.
            if (queue.release(kind, lease, ", locked_by = NULL, attempts = attempts - 1")) {
                released.add(lease);
            }
        }
        buffer.clear();
        return released;
    }
}

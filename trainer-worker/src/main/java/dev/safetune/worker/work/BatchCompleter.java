package dev.safetune.worker.work;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of completions for the threads of one process: a thread that finishes a row adds its lease to the
 * pending list and waits for the write lock; whoever holds it writes every pending completion in one fenced statement
 * ({@link LeasedWorkQueue#transitionAll}) and one commit, so while one commit is being flushed the completions of the
 * other threads gather for the next. With T busy threads a commit carries up to T completions instead of one, which is
 * what bounds short work on a database that syncs every commit.
 *
 * <p>Fencing is unchanged: each row is written only if its own lease ({@code id, locked_by, attempts}) is still the
 * latest, and each caller learns whether its own row was.
 */
public final class BatchCompleter {
    private record Pending(Lease lease, CompletableFuture<Boolean> done) {}

    private final LeasedWorkQueue queue;
    private final WorkKind kind;
    private final String fromGuard;
    private final String to;
    private final String set;
    private final ReentrantLock writer = new ReentrantLock();
    private List<Pending> pending = new ArrayList<>();

    /**
     * @param fromGuard {@code status IN (...)} a completed row must be in
     * @param to the status a completion enters (not a leased one: the lease ends)
     * @param set extra assignments (may be empty; starts with {@code ,} otherwise)
     */
    public BatchCompleter(LeasedWorkQueue queue, WorkKind kind, String fromGuard, String to, String set) {
        this.queue = queue;
        this.kind = kind;
        this.fromGuard = fromGuard;
        this.to = to;
        this.set = set;
    }

    /**
     * Completes the row of {@code lease}, committed when this returns.
     *
     * @return false when the lease was no longer current (nothing was written for this row)
     */
    public boolean complete(Lease lease) {
        Pending mine = new Pending(lease, new CompletableFuture<>());
        synchronized (this) {
            pending.add(mine);
        }
        writer.lock();
        try {
            if (!mine.done().isDone()) {
                List<Pending> batch;
                synchronized (this) {
                    batch = pending;
                    pending = new ArrayList<>();
                }
                flush(batch);
            }
        } finally {
            writer.unlock();
        }
        try {
            return mine.done().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void flush(List<Pending> batch) {
        try {
            Set<String> written =
                    queue.transitionAll(kind, batch.stream().map(Pending::lease).toList(), fromGuard, to, set);
            batch.forEach(p -> p.done().complete(written.contains(p.lease().id())));
        } catch (RuntimeException e) {
            batch.forEach(p -> p.done().completeExceptionally(e));
        }
    }
}

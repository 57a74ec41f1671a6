package dev.safetune.worker.work;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loop for every kind of leased work: re-queue (or give up) expired leases, claim the next row fairly, run
 * it with its {@link WorkHandler}, and when there was nothing to claim wait for a NOTIFY or the poll interval.
 *
 * <p>Expiry runs at most once per heartbeat interval rather than before every claim: a lease is only late after a
 * whole lease duration (at least three heartbeat intervals), so looking more often finds nothing and costs a round
 * trip per claim.
 */
public final class WorkLoop<C> extends PollingLoop {
    private static final Logger log = LoggerFactory.getLogger(WorkLoop.class);

    private final LeasedWorkQueue queue;
    private final WorkHandler<C> handler;
    private final WorkKind kind;
    private final String workerId;
    private long nextExpiry = System.nanoTime();

    public WorkLoop(
            LeasedWorkQueue queue,
            WorkHandler<C> handler,
            NotificationSignal signal,
            Duration pollInterval,
            String workerId) {
        super(handler.kind().name() + "-loop-" + workerId, signal, pollInterval);
        this.queue = queue;
        this.handler = handler;
        this.kind = handler.kind();
        this.workerId = workerId;
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
        handler.afterStop();
    }
}

package dev.safetune.worker.modelimport;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one running import's row current from a scheduler thread: every {@code progressInterval} it writes the latest
 * progress if it changed, and at least every {@code renewInterval} it extends the lease (the same statement does
 * both). When the lease turns out to be lost, or could not be renewed for a whole lease duration, it interrupts the
 * import's thread: another worker may own the import by then.
 */
final class ImportHeartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImportHeartbeat.class);

    private final ImportQueue queue;
    private final ImportLease lease;
    private final RowProgress progress;
    private final Duration leaseDuration;
    private final Duration renewInterval;
    private final Thread importThread;
    private final ScheduledFuture<?> future;
    private volatile boolean lost;
    private Instant lastWritten = Instant.now();

    ImportHeartbeat(
            ScheduledExecutorService scheduler,
            ImportQueue queue,
            ImportLease lease,
            RowProgress progress,
            Duration leaseDuration,
            Duration renewInterval,
            Duration progressInterval,
            Thread importThread) {
        this.queue = queue;
        this.lease = lease;
        this.progress = progress;
        this.leaseDuration = leaseDuration;
        this.renewInterval = renewInterval;
        this.importThread = importThread;
        long period = progressInterval.toMillis();
        this.future = scheduler.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    /** Whether the lease was lost: the import must write nothing more. */
    boolean lost() {
        return lost;
    }

    private synchronized void beat() {
        if (lost) {
            return;
        }
        Instant now = Instant.now();
        boolean renewDue = !now.isBefore(lastWritten.plus(renewInterval));
        if (!progress.takeChanged() && !renewDue) {
            return;
        }
        try {
            if (queue.heartbeat(lease, progress.snapshot(), leaseDuration)) {
                lastWritten = now;
            } else {
                stop("the import was re-queued or claimed by another worker");
            }
        } catch (RuntimeException e) {
            // The database may be briefly away; once the lease could have run out, another worker may own the
            // import, so stop rather than run it twice.
            if (now.isAfter(lastWritten.plus(leaseDuration))) {
                stop("the lease could not be renewed for " + leaseDuration + ": " + e);
            } else {
                log.warn("import {}: heartbeat failed, will retry: {}", lease.importId(), e.toString());
            }
        }
    }

    private void stop(String why) {
        lost = true;
        log.warn("import {} attempt {}: lease lost ({}); abandoning it", lease.importId(), lease.attempt(), why);
        importThread.interrupt();
    }

    @Override
    public synchronized void close() {
        future.cancel(false);
    }
}

package dev.safetune.worker.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a running job's lease on its own thread, so a long training step never lets the lease lapse, and tells
 * the training loop when to stop: cancelled by the customer, or lost to another claim.
 */
public class LeaseRenewer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);

    private final JobQueue queue;
    private final Duration leaseDuration;
    private final Duration interval;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-renewer");
        t.setDaemon(true);
        return t;
    });

    public LeaseRenewer(JobQueue queue, Duration leaseDuration, Duration interval) {
        this.queue = queue;
        this.leaseDuration = leaseDuration;
        this.interval = interval;
    }

    /** Starts heartbeating {@code lease} until the returned handle is closed. */
    public Heartbeat start(Lease lease) {
        Heartbeat heartbeat = new Heartbeat(lease);
        heartbeat.future = scheduler.scheduleWithFixedDelay(
                heartbeat::beat, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return heartbeat;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** One job's heartbeat; {@link #state()} is what the training loop polls between steps. */
    public final class Heartbeat implements AutoCloseable {
        private final Lease lease;
        private volatile LeaseState state = LeaseState.HELD;
        private volatile Instant lastRenewed = Instant.now();
        private ScheduledFuture<?> future;

        private Heartbeat(Lease lease) {
            this.lease = lease;
        }

        public LeaseState state() {
            return state;
        }

        private void beat() {
            if (state != LeaseState.HELD) {
                return;
            }
            try {
                state = queue.renew(lease, leaseDuration);
                lastRenewed = Instant.now();
                if (state != LeaseState.HELD) {
                    log.info("job {} attempt {}: lease {}", lease.jobId(), lease.attempt(), state);
                }
            } catch (RuntimeException e) {
                // The database may be briefly away; once the lease could have expired, another worker may own the
                // job, so stop rather than risk two runs writing artifacts side by side.
                if (Instant.now().isAfter(lastRenewed.plus(leaseDuration))) {
                    state = LeaseState.LOST;
                    log.warn("job {}: could not renew the lease for {}; stopping", lease.jobId(), leaseDuration, e);
                } else {
                    log.warn("job {}: heartbeat failed, will retry: {}", lease.jobId(), e.toString());
                }
            }
        }

        @Override
        public void close() {
            if (future != null) {
                future.cancel(false);
            }
        }
    }
}

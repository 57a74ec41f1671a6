package dev.safetune.worker.work;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps leases alive from a scheduler thread of their own, so long work never lets its lease lapse, and tells the
 * work when to stop: the heartbeat found it cancelled, paused or taken over, or could not renew it for a whole lease
 * duration (another worker may own the row by then, so stopping beats running twice).
 */
public final class Heartbeats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);

    private final WorkPolicy policy;
    private final Duration beatEvery;
    private final ScheduledExecutorService scheduler;

    /**
     * @param beatEvery how often {@link Renewal#beat} is asked; the lease is renewed at least every heartbeat interval
     *     of {@code policy} (a renewal may also write progress between two renewals, and skip a beat otherwise)
     */
    public Heartbeats(String threadName, WorkPolicy policy, Duration beatEvery) {
        this.policy = policy;
        this.beatEvery = beatEvery;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** One beat of one lease. */
    @FunctionalInterface
    public interface Renewal {
        /**
         * @param renewDue whether the lease must be renewed now
         * @return what the renewal learnt, or empty when it wrote nothing this beat
         */
        Optional<LeaseState> beat(boolean renewDue);
    }

    /**
     * Starts heartbeating {@code lease} until the returned handle is closed.
     *
     * @param onStop called once, on the heartbeat thread, when the lease is no longer {@link LeaseState#HELD}
     */
    public Heartbeat start(Lease lease, Renewal renewal, Runnable onStop) {
        Heartbeat heartbeat = new Heartbeat(lease, renewal, onStop);
        long period = beatEvery.toMillis();
        heartbeat.future = scheduler.scheduleWithFixedDelay(heartbeat::beat, period, period, TimeUnit.MILLISECONDS);
        return heartbeat;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** One lease's heartbeat; {@link #state()} is what the work polls between its steps. */
    public final class Heartbeat implements AutoCloseable {
        private final Lease lease;
        private final Renewal renewal;
        private final Runnable onStop;
        private volatile LeaseState state = LeaseState.HELD;
        private Instant lastRenewed = Instant.now();
        private ScheduledFuture<?> future;

        private Heartbeat(Lease lease, Renewal renewal, Runnable onStop) {
            this.lease = lease;
            this.renewal = renewal;
            this.onStop = onStop;
        }

        public LeaseState state() {
            return state;
        }

        private synchronized void beat() {
            if (state != LeaseState.HELD) {
                return;
            }
            Instant now = Instant.now();
            boolean due = !now.isBefore(lastRenewed.plus(policy.heartbeatInterval()));
            try {
                Optional<LeaseState> learnt = renewal.beat(due);
                if (learnt.isEmpty()) {
                    return;
                }
                lastRenewed = now;
                if (learnt.get() != LeaseState.HELD) {
                    stop(learnt.get(), "the heartbeat found it " + learnt.get());
                }
            } catch (RuntimeException e) {
                if (now.isAfter(lastRenewed.plus(policy.leaseDuration()))) {
                    stop(LeaseState.LOST, "could not renew the lease for " + policy.leaseDuration() + ": " + e);
                } else {
                    log.warn(
                            "{} attempt {}: heartbeat failed, will retry: {}",
                            lease.id(),
                            lease.attempt(),
                            e.toString());
                }
            }
        }

        private void stop(LeaseState newState, String why) {
            state = newState;
            log.info("{} attempt {}: stopping ({})", lease.id(), lease.attempt(), why);
            onStop.run();
        }

        @Override
        public synchronized void close() {
            if (future != null) {
                future.cancel(false);
            }
        }
    }
}

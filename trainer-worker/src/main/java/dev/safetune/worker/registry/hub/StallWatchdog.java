package dev.safetune.worker.registry.hub;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a download whose body has stopped arriving: {@link java.net.http.HttpClient} has a timeout for the
 * response headers but none for a body, so a connection that goes quiet mid-file would block its reader for ever.
 * One daemon thread checks every watched body a quarter of the timeout apart.
 */
final class StallWatchdog implements AutoCloseable {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "hub-download-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    /** Starts watching the body the current thread is about to read; close the watch when the read ends. */
    Watch watchCurrentThread(Duration timeout) {
        Watch watch = new Watch(Thread.currentThread(), timeout.toNanos());
        long period = Math.max(10, timeout.toMillis() / 4);
        watch.schedule = scheduler.scheduleAtFixedRate(watch::check, period, period, TimeUnit.MILLISECONDS);
        return watch;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /**
     * Watches one body: when no bytes have arrived for the timeout, interrupts the reading thread (the body's
     * blocked read then fails) and remembers that it did, so the failure is retried as a stall rather than taken as
     * a cancellation.
     */
    static final class Watch implements AutoCloseable {
        private final Thread reader;
        private final long timeoutNanos;
        private volatile long lastProgress = System.nanoTime();
        private ScheduledFuture<?> schedule;
        private boolean fired;
        private boolean finished;
        private boolean cleared;

        private Watch(Thread reader, long timeoutNanos) {
            this.reader = reader;
            this.timeoutNanos = timeoutNanos;
        }

        void progressed() {
            lastProgress = System.nanoTime();
        }

        private synchronized void check() {
            if (!finished && !fired && System.nanoTime() - lastProgress > timeoutNanos) {
                fired = true;
                reader.interrupt();
            }
        }

        /**
         * Ends the watch; returns whether it interrupted the reader, and then clears the interrupt it caused so the
         * retry can proceed.
         */
        synchronized boolean finish() {
            finished = true;
            if (fired && !cleared) {
                Thread.interrupted();
                cleared = true;
            }
            return fired;
        }

        /** Stops the checks and ends the watch. */
        @Override
        public void close() {
            schedule.cancel(false);
            finish();
        }
    }
}

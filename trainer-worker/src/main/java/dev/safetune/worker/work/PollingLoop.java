package dev.safetune.worker.work;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A queue-serving loop on a thread of its own, started and stopped by Spring: it runs one piece of work at a time
 * ({@link #runNext}) and, when there was none, waits for a NOTIFY on its {@link NotificationSignal} or the poll
 * interval. The job queue and the model-import queue are served this way.
 *
 * <p>An error of one round is logged and retried after the poll interval, so a database outage does not end the
 * worker. An interrupt while running belongs to work that has ended (a lost lease, say); the loop goes on serving.
 * {@link #stop()} asks the work in progress to give up ({@link #beforeInterrupt}), interrupts the thread, closes the
 * signal (an interrupt alone does not end a blocked socket read) and waits for the thread for up to 30 s.
 */
public abstract class PollingLoop implements SmartLifecycle {
    private final Logger log = LoggerFactory.getLogger(getClass());
    private final String threadName;
    private final NotificationSignal signal;
    private final Duration pollInterval;
    private volatile boolean running;
    private volatile boolean stopping;
    private Thread thread;

    protected PollingLoop(String threadName, NotificationSignal signal, Duration pollInterval) {
        this.threadName = threadName;
        this.signal = signal;
        this.pollInterval = pollInterval;
    }

    /**
     * Runs the next piece of work, if any, to its end on the calling thread.
     *
     * @return whether there was one
     * @throws InterruptedException when the thread was interrupted while claiming
     */
    public abstract boolean runNext() throws InterruptedException;

    /** Called by {@link #stop()} before the thread is interrupted: the work in progress should give up. */
    protected void beforeInterrupt() {}

    /** Called by {@link #stop()} once the thread has ended, or the wait for it has. */
    protected void afterStop() {}

    @Override
    public synchronized void start() {
        stopping = false;
        running = true;
        thread = new Thread(this::loop, threadName);
        thread.start();
        log.info("{} started", threadName);
    }

    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            stopping = true;
            running = false;
            t = thread;
        }
        if (t != null) {
            beforeInterrupt();
            t.interrupt();
        }
        signal.close();
        if (t != null) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        afterStop();
    }

    /**
     * Whether {@link #stop()} has been called since the last start: work that fails now may only be seeing the
     * interrupt. (A loop that was never started, whose {@link #runNext} a caller drives itself, is not stopping.)
     */
    protected boolean stopping() {
        return stopping;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                if (!runNext()) {
                    signal.await(pollInterval);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
                // An interrupt meant for work that has ended; keep serving the queue.
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("{}: error in the loop; retrying after the poll interval", threadName, e);
                try {
                    Thread.sleep(pollInterval.toMillis());
                } catch (InterruptedException ie) {
                    if (!running) {
                        return;
                    }
                }
            }
        }
    }
}

package dev.safetune.worker.placement;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps this worker's {@code workers} row current: written at start, refreshed every heartbeat interval on a thread
 * of its own (the queue consumer's thread is busy for the whole of a training run, which may last hours, and a
 * worker that is training is still a worker), removed at a clean stop.
 */
public class WorkerHeartbeat implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(WorkerHeartbeat.class);

    private final WorkerRegistry registry;
    private final String workerId;
    private final WorkerCapacity capacity;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    public WorkerHeartbeat(WorkerRegistry registry, String workerId, WorkerCapacity capacity, Duration interval) {
        this.registry = registry;
        this.workerId = workerId;
        this.capacity = capacity;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        log.info(
                "worker {} offers {} with {} MiB for training",
                workerId,
                capacity.device(),
                capacity.memoryBytes() >> 20);
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "worker-heartbeat-" + workerId);
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            registry.announce(workerId, capacity);
        } catch (RuntimeException e) {
            // The next beat retries; a worker unseen for the TTL only stops counting for placement meanwhile.
            log.warn("worker {} could not refresh its row: {}", workerId, e.toString());
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
            registry.leave(workerId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("worker {} could not remove its row: {}", workerId, e.toString());
        }
        scheduler = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}

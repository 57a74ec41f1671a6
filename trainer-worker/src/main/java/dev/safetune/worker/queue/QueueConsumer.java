package dev.safetune.worker.queue;

import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.job.JobRunner;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The worker's main loop on one thread: re-queue expired leases, claim the oldest queued job that fits this worker's
 * memory, run it, and wait for a NOTIFY (or the poll interval) when the queue holds nothing it can take. One job at
 * a time: a training job uses every core.
 */
public class QueueConsumer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);

    private final JobQueue queue;
    private final NotificationSignal signal;
    private final JobRunner runner;
    private final WorkerProperties.Worker settings;
    private final String workerId;
    private final long capacityBytes;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param capacityBytes the memory a training run may use on this worker; only jobs whose estimate fits are
     *     claimed
     */
    public QueueConsumer(
            JobQueue queue,
            NotificationSignal signal,
            JobRunner runner,
            WorkerProperties.Worker settings,
            String workerId,
            long capacityBytes) {
        this.queue = queue;
        this.signal = signal;
        this.runner = runner;
        this.settings = settings;
        this.workerId = workerId;
        this.capacityBytes = capacityBytes;
    }

    public String workerId() {
        return workerId;
    }

    @Override
    public synchronized void start() {
        running = true;
        thread = new Thread(this::loop, "queue-consumer-" + workerId);
        thread.start();
        log.info("worker {} consuming the job queue", workerId);
    }

    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        // Closing the signal ends an idle wait at once; an interrupt alone does not end a blocked socket read.
        signal.close();
        if (t != null) {
            runner.shutdown();
            t.interrupt();
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                List<String> requeued = queue.requeueExpired();
                if (!requeued.isEmpty()) {
                    log.info("re-queued jobs whose worker stopped heartbeating: {}", requeued);
                }
                Optional<ClaimedJob> job = queue.claim(workerId, settings.leaseDuration(), capacityBytes);
                if (job.isPresent()) {
                    runner.run(job.get());
                } else {
                    signal.await(settings.pollInterval());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("queue loop error; retrying after the poll interval", e);
                try {
                    Thread.sleep(settings.pollInterval().toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}

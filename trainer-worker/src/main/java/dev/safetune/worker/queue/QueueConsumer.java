package dev.safetune.worker.queue;

import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.job.JobRunner;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's main loop on one thread: re-queue expired leases, claim the oldest queued job that fits this worker's
 * memory, run it, and wait for a NOTIFY (or the poll interval) when the queue holds nothing it can take. One job at
 * a time: a training job uses every core.
 */
public class QueueConsumer extends PollingLoop {
    private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);

    private final JobQueue queue;
    private final JobRunner runner;
    private final WorkerProperties.Worker settings;
    private final String workerId;
    private final long capacityBytes;

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
        super("queue-consumer-" + workerId, signal, settings.pollInterval());
        this.queue = queue;
        this.runner = runner;
        this.settings = settings;
        this.workerId = workerId;
        this.capacityBytes = capacityBytes;
    }

    public String workerId() {
        return workerId;
    }

    /** Re-queues jobs whose worker stopped heartbeating, then claims the oldest queued job that fits and runs it. */
    @Override
    public boolean runNext() {
        List<String> requeued = queue.requeueExpired();
        if (!requeued.isEmpty()) {
            log.info("re-queued jobs whose worker stopped heartbeating: {}", requeued);
        }
        Optional<ClaimedJob> job = queue.claim(workerId, settings.leaseDuration(), capacityBytes);
        job.ifPresent(runner::run);
        return job.isPresent();
    }

    @Override
    protected void beforeInterrupt() {
        runner.shutdown();
    }
}

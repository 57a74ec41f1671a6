package dev.safetune.worker.queue;

import dev.safetune.core.job.Hyperparameters;
import dev.safetune.worker.work.Lease;
import java.time.Instant;

/** A job as a worker sees it right after claiming it. */
public record ClaimedJob(
        Lease lease,
        String model,
        String trainingFile,
        String validationFile,
        Hyperparameters hyperparameters,
        long seed,
        String suffix,
        Instant queuedAt) {

    public String id() {
        return lease.id();
    }

    public String organizationId() {
        return lease.tenant();
    }
}

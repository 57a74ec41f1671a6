package dev.safetune.worker.queue;

/**
 * A worker's claim on one job. {@code attempt} is the fencing token: every write the worker makes names it, and the
 * database refuses the write once another claim (a higher attempt) or a re-queue has replaced this one.
 */
public record Lease(String jobId, String organizationId, String workerId, int attempt) {}

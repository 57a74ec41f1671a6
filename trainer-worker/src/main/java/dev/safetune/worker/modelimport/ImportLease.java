package dev.safetune.worker.modelimport;

/**
 * A worker's claim on one import. {@code attempt} is the fencing token: every write names it, and the database refuses
 * the write once the import was re-queued or claimed again (a higher attempt), so a worker presumed dead that is in
 * fact still running can no longer change the row.
 */
public record ImportLease(String importId, String workerId, int attempt) {}

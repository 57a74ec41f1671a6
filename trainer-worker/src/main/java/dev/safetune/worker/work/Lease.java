package dev.safetune.worker.work;

/**
 * A worker's claim on one row of leased work. {@code attempt} is the fencing token: every write the worker makes names
 * it, and the database refuses the write once another claim (a higher attempt) or a re-queue has replaced this one.
 *
 * @param id the row's id in its kind's table
 * @param tenant the organisation owning the row; null for kinds without one (model imports)
 */
public record Lease(String id, String tenant, String workerId, int attempt) {}

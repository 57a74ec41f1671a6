package dev.safetune.worker.work;

import java.util.List;

/**
 * What a kind of work does when leases of its rows ran out (as db-scheduler's {@code DeadExecutionHandler}): called
 * inside the expiry's transaction, so what it writes (a job's event saying why) commits with the status change.
 */
public interface DeadWorkHandler {
    /** Rows handed back to the queue for another worker. */
    default void onRequeued(List<Expired> requeued) {}

    /** Rows given up: their lease ran out on their last attempt. */
    default void onGivenUp(List<Expired> givenUp) {}
}

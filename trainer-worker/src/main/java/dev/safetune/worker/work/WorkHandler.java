package dev.safetune.worker.work;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One kind of leased work (as db-scheduler's {@code ExecutionHandler} with its {@code DeadExecutionHandler}): the
 * {@link WorkLoop} claims a row of {@link #kind()} and hands it here to run to its end. Training, model imports and
 * the coming audit, scoring and calibration are each one of these; the claiming, heartbeats, fencing and expiry are
 * the {@link LeasedWorkQueue}'s.
 *
 * @param <C> the claimed work as the handler runs it
 */
public interface WorkHandler<C> extends DeadWorkHandler {
    WorkKind kind();

    /** What else a row must meet for this worker to claim it. */
    default ClaimFilter claimFilter() {
        return ClaimFilter.NONE;
    }

    /** The claimed row (the kind's {@code returning} columns) as the handler runs it. */
    C claimed(Lease lease, ResultSet row) throws SQLException;

    /**
     * Runs claimed work to its end on the calling thread, writing through fenced statements only. Returns normally
     * whatever the outcome; a stop ({@link #beforeStop()}) or a lost lease ends it early.
     */
    void execute(C work);

    /** The loop is stopping: work in progress should give up (and hand its row back). */
    default void beforeStop() {}

    /** The loop has stopped. */
    default void afterStop() {}
}

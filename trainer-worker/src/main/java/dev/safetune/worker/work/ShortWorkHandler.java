package dev.safetune.worker.work;

import java.util.Map;

/**
 * A kind of short work whose whole end is one fenced transition of its row (a score, a probe, a calibration point):
 * the handler only runs the work and says how it ends, and its {@link WorkLoop} writes the ends. Work that writes more
 * at its end (training, model imports) stays a plain {@link WorkHandler}.
 *
 * <p><b>A batch per thread, one commit per batch.</b> The loop claims up to {@link #claimBatch()} rows in one statement
 * ({@link LeasedWorkQueue#claimBatch}, fair across organisations within the batch), runs them one after the other, and
 * writes their endings (each fenced by its own lease) in one transaction with the next claim. A row's end therefore
 * becomes visible when its batch is done, not when it is, and the rows are leased from the claim on but not
 * heartbeated, so a batch times the longest run must stay well inside the lease. A held row whose lease is half gone
 * is given back instead of run; on stop the endings waiting are written and the rows still held are given back at once
 * (their attempt returned: they never ran). A run that throws leaves its row to its lease (re-queued on expiry) and
 * the endings of the batch's earlier rows are written.
 *
 * <p><b>Or one claimer per process.</b> Loops built with a shared {@link BatchClaimer} take their rows from it instead
 * (one claim statement for all the process's threads, no contention between them for the claimable rows) and hand it
 * their endings, which it writes in batches; {@link #claimBatch()} is then unused (the claimer's batch applies).
 *
 * @param <C> the claimed work as the handler runs it
 */
public interface ShortWorkHandler<C> extends WorkHandler<C> {

    /** How a piece of work ends: the fenced transition the loop writes for it. */
    record Ending(String fromGuard, String to, String set, Map<String, Object> params) {
        public Ending {
            params = Map.copyOf(params);
        }
    }

    /** The most rows one claim takes for one loop thread (1: one row per claim, fairness by turn, not by batch). */
    int claimBatch();

    /** The lease the claimed work is under (fencing its end, and its release on stop). */
    Lease lease(C work);

    /**
     * Runs the work on the calling thread without writing its end.
     *
     * @return the transition that ends it, written by the loop (fenced by {@link #lease})
     */
    Ending run(C work);

    /** Short work is run through {@link #run}, by its loop, which writes the ending; never through here. */
    @Override
    default void execute(C work) {
        throw new UnsupportedOperationException(
                kind().name() + " is short work: its WorkLoop runs it with run() and writes the ending");
    }
}

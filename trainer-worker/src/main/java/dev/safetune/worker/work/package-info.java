/**
 * One leased-work queue for every kind of work a worker runs (training, model imports; the audit, scoring,
 * persona-vector extraction and calibration next): {@link dev.safetune.worker.work.LeasedWorkQueue} claims with
 * {@code FOR UPDATE SKIP LOCKED}, fairly across organisations, renews leases, fences every write by the claim's attempt
 * number, and re-queues or gives up expired leases by each kind's {@link dev.safetune.worker.work.WorkPolicy};
 * {@link dev.safetune.worker.work.WorkLoop} serves one kind with its {@link dev.safetune.worker.work.WorkHandler}
 * (db-scheduler's execution and dead-execution handlers in one), woken by NOTIFY
 * ({@link dev.safetune.worker.work.NotificationSignal}); {@link dev.safetune.worker.work.Heartbeats} keeps leases
 * alive. A new kind of work is a {@link dev.safetune.worker.work.WorkKind} and a handler class. Short work whose end is
 * one fenced transition implements {@link dev.safetune.worker.work.ShortWorkHandler}: its loop claims a few rows per
 * statement for its thread and writes their endings with the next claim in one commit (one commit per batch instead of
 * a claim and a commit per row; docs/benchmarks.md, "Leased-work queue"). A process serving short work on many threads
 * gives its loops one {@link dev.safetune.worker.work.BatchClaimer} instead (db-scheduler's lock-and-fetch design):
 * one claim statement per batch for all of them, and their endings written in batches, each fenced by its own lease.
 *
 * <h2>Storage: one protocol over each kind's own table</h2>
 *
 * <p>Each kind keeps its own table ({@code fine_tuning_jobs}, {@code model_imports}) with the same lease columns
 * ({@code status, locked_by, lease_until, attempts, claimed_at}); the queue's SQL is written once over them, with the
 * kind's table, status guards and bookkeeping plugged in. A generic {@code leased_work} table keyed by kind and
 * subject id was the alternative; it was not taken because:
 *
 * <ul>
 *   <li><b>Fencing stays one row.</b> The fenced write and the state it guards are the same row: a job's success, its
 *       status and its lease change in one {@code UPDATE ... WHERE locked_by = ? AND attempts = ?}. With a separate
 *       lease table every fenced write would join or lock a second row, and a lease and its subject could disagree.
 *   <li><b>The status stays where its readers look.</b> The API, the webhook trigger (on {@code status} of
 *       {@code fine_tuning_jobs}) and the status gauges read the kind's own table; a lease table would need its
 *       status mirrored back, a second truth.
 *   <li><b>The migration is additive.</b> V5 adds a column and swaps indexes; no row moves between tables while
 *       workers run.
 * </ul>
 *
 * <p>The price: a new kind's table must carry the lease columns (a few lines of DDL), and a kind's status names come
 * from its own transition table as SQL guards ({@code JobTransition}, {@code ImportStatus}).
 */
package dev.safetune.worker.work;

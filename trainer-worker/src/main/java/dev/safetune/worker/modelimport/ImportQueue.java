package dev.safetune.worker.modelimport;

import static dev.safetune.core.modelimport.ImportStatus.FAILED;
import static dev.safetune.core.modelimport.ImportStatus.QUEUED;
import static dev.safetune.core.modelimport.ImportStatus.RUNNING;
import static dev.safetune.core.modelimport.ImportStatus.SUCCEEDED;

import dev.safetune.core.modelimport.ImportStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code model_imports} table as a worker uses it, in the job queue's manner: claim with
 * {@code FOR UPDATE SKIP LOCKED}, renew the lease while running, re-queue imports whose worker stopped renewing, and
 * fenced writes of progress and outcome.
 *
 * <p>Fencing: a claim increments {@code attempts}; every write below is guarded by
 * {@code locked_by = worker AND attempts = attempt AND status = 'running'}, so a worker that lost its lease can no
 * longer change the import. Each status change is first checked against {@link ImportStatus}'s transition table.
 */
public class ImportQueue {
    private static final String FENCE =
            "id = :id AND locked_by = :worker AND attempts = :attempt AND status = 'running'";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final int maxAttempts;

    /**
     * @param maxAttempts claims after which an import whose lease expired again is failed ({@code worker_lost})
     *     instead of re-queued: an import that keeps killing its worker (out of memory, say) must not loop for ever
     */
    public ImportQueue(JdbcClient jdbc, TransactionTemplate tx, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
        this.jdbc = jdbc;
        this.tx = tx;
        this.maxAttempts = maxAttempts;
    }

    /**
     * Re-queues imports whose lease ran out, then claims the oldest queued one, if any, for {@code workerId} with a
     * lease of {@code leaseFor}.
     */
    public Optional<ClaimedImport> claim(String workerId, Duration leaseFor) {
        QUEUED.requireTransition(RUNNING);
        return tx.execute(status -> {
            requeueExpired();
            return jdbc.sql("""
                            WITH next AS (
                                SELECT id FROM model_imports
                                 WHERE status = 'queued'
                                 ORDER BY created_at, id
                                 FOR UPDATE SKIP LOCKED
                                 LIMIT 1)
                            UPDATE model_imports m
                               SET status = 'running', locked_by = :worker,
                                   lease_until = now() + make_interval(secs => :lease),
                                   attempts = m.attempts + 1, started_at = coalesce(m.started_at, now()),
                                   message = 'claimed by ' || :worker
                              FROM next
                             WHERE m.id = next.id
                            RETURNING m.id, m.source, m.model_id, m.replace, m.attempts
                            """)
                    .param("worker", workerId)
                    .param("lease", seconds(leaseFor))
                    .query((rs, n) -> new ClaimedImport(
                            new ImportLease(rs.getString("id"), workerId, rs.getInt("attempts")),
                            rs.getString("source"),
                            Optional.ofNullable(rs.getString("model_id")),
                            rs.getBoolean("replace")))
                    .optional();
        });
    }

    /**
     * Hands imports whose lease ran out back to the queue (their worker is presumed dead), or fails those that used
     * up their attempts. Safe to call concurrently: the row locks serialise it.
     *
     * @return the ids re-queued
     */
    public List<String> requeueExpired() {
        RUNNING.requireTransition(QUEUED);
        RUNNING.requireTransition(FAILED);
        return tx.execute(status -> {
            jdbc.sql("""
                            UPDATE model_imports
                               SET status = 'failed', lease_until = NULL, finished_at = now(),
                                   error_code = 'worker_lost',
                                   error_message = 'The import lost its worker ' || attempts || ' times; giving up.'
                             WHERE status = 'running' AND lease_until < now() AND attempts >= :max
                            """).param("max", maxAttempts).update();
            List<String> requeued = jdbc.sql("""
                            UPDATE model_imports
                               SET status = 'queued', lease_until = NULL,
                                   message = 'worker ' || locked_by || ' stopped renewing its lease; re-queued'
                             WHERE status = 'running' AND lease_until < now()
                            RETURNING id
                            """).query(String.class).list();
            requeued.forEach(this::notifyQueued);
            return requeued;
        });
    }

    /**
     * Writes the latest progress and extends the lease in one statement.
     *
     * @return false when the lease is no longer this worker's (re-queued or claimed again): stop, write nothing more
     */
    public boolean heartbeat(ImportLease lease, ImportProgressSnapshot progress, Duration leaseFor) {
        return jdbc.sql("UPDATE model_imports SET lease_until = now() + make_interval(secs => :lease),"
                                + " bytes_done = :done, bytes_total = :total, message = :message WHERE " + FENCE)
                        .param("lease", seconds(leaseFor))
                        .param("done", progress.bytesDone())
                        .param("total", progress.bytesTotal() < 0 ? null : progress.bytesTotal())
                        .param("message", progress.message())
                        .params(fence(lease))
                        .update()
                == 1;
    }

    /** Marks the import succeeded under {@code modelId}, if the lease is still current. */
    public boolean succeed(ImportLease lease, String modelId, ImportProgressSnapshot progress) {
        RUNNING.requireTransition(SUCCEEDED);
        return jdbc.sql("UPDATE model_imports SET status = 'succeeded', model_id = :model, bytes_done = :done,"
                                + " bytes_total = :total, message = :message, lease_until = NULL, finished_at = now()"
                                + " WHERE " + FENCE)
                        .param("model", modelId)
                        .param("done", progress.bytesDone())
                        .param("total", progress.bytesTotal() < 0 ? null : progress.bytesTotal())
                        .param("message", progress.message())
                        .params(fence(lease))
                        .update()
                == 1;
    }

    /** Marks the import failed with the importer's code and message, if the lease is still current. */
    public boolean fail(ImportLease lease, String code, String message) {
        RUNNING.requireTransition(FAILED);
        return jdbc.sql("UPDATE model_imports SET status = 'failed', error_code = :code, error_message = :message,"
                                + " message = 'failed', lease_until = NULL, finished_at = now() WHERE " + FENCE)
                        .param("code", code)
                        .param("message", message)
                        .params(fence(lease))
                        .update()
                == 1;
    }

    /**
     * Gives a running import back to the queue at once (the worker is shutting down), so another worker need not wait
     * for the lease to run out; partial downloads stay in the shared store and the next attempt resumes them.
     */
    public boolean release(ImportLease lease) {
        RUNNING.requireTransition(QUEUED);
        return Boolean.TRUE.equals(tx.execute(status -> {
            int updated = jdbc.sql("UPDATE model_imports SET status = 'queued', lease_until = NULL,"
                            + " message = 'worker ' || locked_by || ' stopped; re-queued' WHERE " + FENCE)
                    .params(fence(lease))
                    .update();
            if (updated == 1) {
                notifyQueued(lease.importId());
            }
            return updated == 1;
        }));
    }

    /** Wakes idle workers (they LISTEN on {@link ImportStatus#CHANNEL}); delivered when the transaction commits. */
    public void notifyQueued(String importId) {
        jdbc.sql("SELECT pg_notify(:channel, :id)")
                .param("channel", ImportStatus.CHANNEL)
                .param("id", importId)
                .query()
                .singleValue();
    }

    private static Map<String, Object> fence(ImportLease lease) {
        return Map.of("id", lease.importId(), "worker", lease.workerId(), "attempt", lease.attempt());
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}

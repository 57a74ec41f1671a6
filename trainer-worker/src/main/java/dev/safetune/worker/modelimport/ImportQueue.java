package dev.safetune.worker.modelimport;

import static dev.safetune.core.modelimport.ImportStatus.FAILED;
import static dev.safetune.core.modelimport.ImportStatus.QUEUED;
import static dev.safetune.core.modelimport.ImportStatus.RUNNING;
import static dev.safetune.core.modelimport.ImportStatus.SUCCEEDED;
import static dev.safetune.core.work.LifecycleStatus.sqlGuard;

import dev.safetune.core.modelimport.ImportStatus;
import dev.safetune.worker.work.ClaimFilter;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.WorkKind;
import dev.safetune.worker.work.WorkPolicy;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The model import as a kind of leased work ({@link #kind}) and the fenced writes a running import makes: progress
 * with each heartbeat, and its ending. Claiming, renewing, fencing and expiry are the shared {@link LeasedWorkQueue}'s;
 * each status change's SQL guard is derived from {@link ImportStatus}'s transition table.
 */
public class ImportQueue {
    private final LeasedWorkQueue work;
    private final WorkKind kind;

    public ImportQueue(JdbcClient jdbc, TransactionTemplate tx, WorkPolicy policy) {
        this.work = new LeasedWorkQueue(jdbc, tx);
        this.kind = kind(policy);
    }

    /**
     * Imports as leased work: one queue, oldest first (imports are the platform's, not a tenant's), leased in
     * {@code running}, given up as {@code failed} ({@code worker_lost}) after the policy's attempts.
     */
    public static WorkKind kind(WorkPolicy policy) {
        return WorkKind.ofLifecycle(
                "model_import",
                "model_imports",
                Optional.empty(),
                "created_at",
                QUEUED,
                RUNNING,
                FAILED,
                ", started_at = coalesce(w.started_at, now()), message = 'claimed by ' || :worker",
                ", message = 'worker ' || locked_by || ' stopped renewing its lease; re-queued'",
                ", finished_at = now(), error_code = 'worker_lost',"
                        + " error_message = 'The import lost its worker ' || attempts || ' times; giving up.'",
                "w.source, w.model_id, w.replace",
                ImportStatus.CHANNEL,
                policy);
    }

    public WorkKind kind() {
        return kind;
    }

    /** Claims the oldest queued import, if any, for {@code workerId}. */
    public Optional<ClaimedImport> claim(String workerId) {
        return work.claim(kind, workerId, ClaimFilter.NONE, ImportQueue::claimed);
    }

    static ClaimedImport claimed(Lease lease, ResultSet rs) throws SQLException {
        return new ClaimedImport(
                lease, rs.getString("source"), Optional.ofNullable(rs.getString("model_id")), rs.getBoolean("replace"));
    }

    /**
     * Writes the latest progress and extends the lease in one statement.
     *
     * @return false when the lease is no longer this worker's (re-queued or claimed again): stop, write nothing more
     */
    public boolean heartbeat(Lease lease, ImportProgressSnapshot progress) {
        return work.renew(
                kind, lease, ", bytes_done = :done, bytes_total = :total, message = :message", progress(progress));
    }

    /** Marks the import succeeded under {@code modelId}, if the lease is still current. */
    public boolean succeed(Lease lease, String modelId, ImportProgressSnapshot progress) {
        Map<String, Object> params = progress(progress);
        params.put("model", modelId);
        return work.transition(
                kind,
                lease,
                sqlGuard(SUCCEEDED, RUNNING),
                SUCCEEDED.wireName(),
                false,
                ", model_id = :model, bytes_done = :done, bytes_total = :total, message = :message,"
                        + " finished_at = now()",
                params);
    }

    /** Marks the import failed with the importer's code and message, if the lease is still current. */
    public boolean fail(Lease lease, String code, String message) {
        return work.transition(
                kind,
                lease,
                sqlGuard(FAILED, RUNNING),
                FAILED.wireName(),
                false,
                ", error_code = :code, error_message = :message, message = 'failed', finished_at = now()",
                Map.of("code", code, "message", message));
    }

    /**
     * Gives a running import back to the queue at once (the worker is shutting down), so another worker need not wait
     * for the lease to run out; partial downloads stay in the shared store and the next attempt resumes them.
     */
    public boolean release(Lease lease) {
        return work.release(kind, lease, ", message = 'worker ' || locked_by || ' stopped; re-queued'");
    }

    /** Wakes idle workers (they LISTEN on {@link ImportStatus#CHANNEL}); delivered when the transaction commits. */
    public void notifyQueued(String importId) {
        work.notifyQueued(kind, importId);
    }

    private static Map<String, Object> progress(ImportProgressSnapshot progress) {
        Map<String, Object> params = new HashMap<>();
        params.put("done", progress.bytesDone());
        params.put("total", progress.bytesTotal() < 0 ? null : progress.bytesTotal());
        params.put("message", progress.message());
        return params;
    }
}

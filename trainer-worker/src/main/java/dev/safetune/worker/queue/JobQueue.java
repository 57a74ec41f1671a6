package dev.safetune.worker.queue;

import static dev.safetune.core.job.JobStatus.CANCELLED;
import static dev.safetune.core.job.JobStatus.FAILED;
import static dev.safetune.core.job.JobStatus.QUEUED;
import static dev.safetune.core.job.JobStatus.RUNNING;
import static dev.safetune.core.job.JobStatus.SUCCEEDED;

import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.HyperparametersJson;
import dev.safetune.core.job.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PostgreSQL job queue as a worker uses it: claim with {@code FOR UPDATE SKIP LOCKED}, renew the lease,
 * re-queue jobs whose worker stopped heartbeating, and the fenced writes a running job makes.
 *
 * <p>Fencing: a claim increments {@code attempts}; every write below is guarded by
 * {@code locked_by = worker AND attempts = attempt}, so a worker that lost its lease (it was presumed dead and the
 * job re-queued, or another worker claimed it) can no longer change the job, its events or its checkpoints.
 * Status changes additionally check the source status from {@link JobStatus}'s transition table.
 */
public class JobQueue {
    public static final String CHANNEL = "safetune_jobs";
    private static final String FENCE = "id = :job AND locked_by = :worker AND attempts = :attempt";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final JsonMapper json;

    public JobQueue(JdbcClient jdbc, TransactionTemplate tx, JsonMapper json) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.json = json;
    }

    /** Claims the oldest queued job for a worker without a memory limit (tools and tests). */
    public Optional<ClaimedJob> claim(String workerId, Duration leaseFor) {
        return claim(workerId, leaseFor, Long.MAX_VALUE);
    }

    /**
     * Claims the oldest queued job whose estimated peak memory fits {@code capacityBytes}, if any, for
     * {@code workerId} with a lease of {@code leaseFor}. A job without an estimate (created before estimates, or for
     * a model whose shape is unknown) fits any worker. A job that fits no worker stays queued for a bigger one rather
     * than failing, since workers come and go.
     */
    public Optional<ClaimedJob> claim(String workerId, Duration leaseFor, long capacityBytes) {
        QUEUED.requireTransition(RUNNING);
        return tx.execute(status -> jdbc.sql("""
                        WITH next AS (
                            SELECT id FROM fine_tuning_jobs
                             WHERE status = 'queued'
                               AND (memory_required_bytes IS NULL OR memory_required_bytes <= :capacity)
                             ORDER BY queued_at, id
                             FOR UPDATE SKIP LOCKED
                             LIMIT 1)
                        UPDATE fine_tuning_jobs j
                           SET status = 'running', locked_by = :worker,
                               lease_until = now() + make_interval(secs => :lease),
                               attempts = j.attempts + 1, version = j.version + 1,
                               started_at = coalesce(j.started_at, now())
                          FROM next
                         WHERE j.id = next.id
                        RETURNING j.id, j.organization_id, j.model, j.training_file, j.validation_file,
                                  j.hyperparameters::text AS hp, j.seed, j.suffix, j.queued_at, j.attempts
                        """)
                .param("worker", workerId)
                .param("lease", leaseSeconds(leaseFor))
                .param("capacity", capacityBytes)
                .query((rs, n) -> new ClaimedJob(
                        new Lease(rs.getString("id"), rs.getString("organization_id"), workerId, rs.getInt("attempts")),
                        rs.getString("model"),
                        rs.getString("training_file"),
                        rs.getString("validation_file"),
                        hyperparameters(rs.getString("hp")),
                        rs.getLong("seed"),
                        rs.getString("suffix"),
                        rs.getTimestamp("queued_at").toInstant()))
                .optional());
    }

    /**
     * Extends the lease; the answer tells the worker whether to go on. Cancellation and pausing are seen here: the
     * API moves a running job to {@code cancelled} or {@code paused} and the next heartbeat finds it.
     */
    public LeaseState renew(Lease lease, Duration leaseFor) {
        int renewed = jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() + make_interval(secs => :lease)"
                        + " WHERE " + FENCE + " AND status = 'running'")
                .param("lease", leaseSeconds(leaseFor))
                .params(fence(lease))
                .update();
        if (renewed == 1) {
            return LeaseState.HELD;
        }
        return currentStatus(lease)
                .map(s -> switch (s) {
                    case CANCELLED -> LeaseState.CANCELLED;
                    case PAUSED -> LeaseState.PAUSED;
                    default -> LeaseState.LOST;
                })
                .orElse(LeaseState.LOST);
    }

    /** The job's status if this lease is still the latest claim on it. */
    private Optional<JobStatus> currentStatus(Lease lease) {
        return jdbc.sql("SELECT status FROM fine_tuning_jobs WHERE " + FENCE)
                .params(fence(lease))
                .query(String.class)
                .optional()
                .map(JobStatus::fromWire);
    }

    /**
     * Hands jobs whose lease ran out back to the queue (their worker is presumed dead), or fails them once they
     * used up {@code max_attempts}. Any worker may call this; the row lock makes it safe to call concurrently.
     *
     * @return the ids of the jobs re-queued
     */
    public List<String> requeueExpired() {
        RUNNING.requireTransition(QUEUED);
        RUNNING.requireTransition(FAILED);
        return tx.execute(status -> {
            List<Map<String, Object>> failed = jdbc.sql("""
                            UPDATE fine_tuning_jobs
                               SET status = 'failed', locked_by = NULL, lease_until = NULL, version = version + 1,
                                   finished_at = now(), error_code = 'worker_lost',
                                   error_message = 'The job lost its worker ' || attempts || ' times; giving up.'
                             WHERE status = 'running' AND lease_until < now() AND attempts >= max_attempts
                            RETURNING id, organization_id, attempts
                            """).query().listOfRows();
            failed.forEach(row -> systemEvent(
                    row, "error", "Worker lease expired on attempt " + row.get("attempts") + "; job failed."));
            List<Map<String, Object>> requeued = jdbc.sql("""
                            UPDATE fine_tuning_jobs
                               SET status = 'queued', locked_by = NULL, lease_until = NULL, version = version + 1,
                                   queued_at = now()
                             WHERE status = 'running' AND lease_until < now()
                            RETURNING id, organization_id, attempts
                            """).query().listOfRows();
            requeued.forEach(row -> {
                systemEvent(
                        row,
                        "warn",
                        "Worker lease expired on attempt " + row.get("attempts")
                                + "; job re-queued and will resume from its newest checkpoint.");
                notifyQueued((String) row.get("id"));
            });
            return requeued.stream().map(row -> (String) row.get("id")).toList();
        });
    }

    /** Wakes idle workers (they LISTEN on {@link #CHANNEL}); delivered when the surrounding transaction commits. */
    public void notifyQueued(String jobId) {
        jdbc.sql("SELECT pg_notify('" + CHANNEL + "', :job)")
                .param("job", jobId)
                .query()
                .singleValue();
    }

    private void systemEvent(Map<String, Object> row, String level, String message) {
        jdbc.sql("INSERT INTO job_events (job_id, organization_id, level, type, message, attempt)"
                        + " VALUES (:job, :org, :level, 'message', :message, :attempt)")
                .param("job", row.get("id"))
                .param("org", row.get("organization_id"))
                .param("level", level)
                .param("message", message)
                .param("attempt", row.get("attempts"))
                .update();
    }

    /** Appends an event if the lease is still current; returns whether it was written. */
    public boolean appendEvent(Lease lease, String level, String type, String message, Object data) {
        return jdbc.sql("""
                        INSERT INTO job_events (job_id, organization_id, level, type, message, data, attempt)
                        SELECT id, organization_id, :level, :type, :message, CAST(:data AS jsonb), attempts
                          FROM fine_tuning_jobs WHERE """ + " " + FENCE)
                        .param("level", level)
                        .param("type", type)
                        .param("message", message)
                        .param("data", data == null ? null : json.writeValueAsString(data))
                        .params(fence(lease))
                        .update()
                == 1;
    }

    /** Records a checkpoint the worker has already written durably to {@code storagePath}. */
    public boolean recordCheckpoint(
            Lease lease, String checkpointId, int step, Object metrics, String storagePath, String modelName) {
        return jdbc.sql("""
                        INSERT INTO checkpoints (id, job_id, organization_id, step_number, metrics, storage_path,
                                                 fine_tuned_model_checkpoint, attempt)
                        SELECT :id, id, organization_id, :step, CAST(:metrics AS jsonb), :path, :name, attempts
                          FROM fine_tuning_jobs WHERE """ + " " + FENCE + " AND status = 'running'" + " ON CONFLICT (job_id, step_number) DO NOTHING")
                        .param("id", checkpointId)
                        .param("step", step)
                        .param("metrics", json.writeValueAsString(metrics))
                        .param("path", storagePath)
                        .param("name", modelName)
                        .params(fence(lease))
                        .update()
                == 1;
    }

    /** The newest checkpoint of a job, written by any attempt: where a new claim resumes. */
    public Optional<StoredCheckpoint> latestCheckpoint(String jobId) {
        return jdbc.sql("SELECT step_number, storage_path FROM checkpoints WHERE job_id = :job"
                        + " ORDER BY step_number DESC LIMIT 1")
                .param("job", jobId)
                .query((rs, n) -> new StoredCheckpoint(rs.getInt("step_number"), rs.getString("storage_path")))
                .optional();
    }

    /**
     * Marks the job succeeded and registers its model, in one transaction, if the lease is still current.
     *
     * @return false when the lease was lost (nothing is written)
     */
    public boolean succeed(
            Lease lease,
            String fineTunedModel,
            String baseModel,
            long trainedTokens,
            String modelPath,
            List<ResultFile> resultFiles) {
        RUNNING.requireTransition(SUCCEEDED);
        return Boolean.TRUE.equals(tx.execute(status -> {
            int updated = jdbc.sql("UPDATE fine_tuning_jobs SET status = 'succeeded', fine_tuned_model = :model,"
                            + " trained_tokens = :tokens, finished_at = now(), lease_until = NULL,"
                            + " result_files = :files, version = version + 1"
                            + " WHERE " + FENCE + " AND status = 'running'")
                    .param("model", fineTunedModel)
                    .param("tokens", trainedTokens)
                    .param("files", resultFiles.stream().map(ResultFile::id).toArray(String[]::new))
                    .params(fence(lease))
                    .update();
            if (updated != 1) {
                return false;
            }
            for (ResultFile file : resultFiles) {
                jdbc.sql("INSERT INTO files (id, organization_id, filename, purpose, bytes, sha256, storage_path,"
                                + " status) VALUES (:id, :org, :name, :purpose, :bytes, :sha, :path, 'processed')")
                        .param("id", file.id())
                        .param("org", lease.organizationId())
                        .param("name", file.filename())
                        .param("purpose", ResultFile.PURPOSE)
                        .param("bytes", file.bytes())
                        .param("sha", file.sha256())
                        .param("path", file.storagePath())
                        .update();
            }
            jdbc.sql("INSERT INTO models (id, organization_id, kind, base_model, job_id, storage_path)"
                            + " VALUES (:id, :org, 'fine_tuned', :base, :job, :path)")
                    .param("id", fineTunedModel)
                    .param("org", lease.organizationId())
                    .param("base", baseModel)
                    .param("job", lease.jobId())
                    .param("path", modelPath)
                    .update();
            return true;
        }));
    }

    /**
     * Folds one finished run's measured throughput into the model's running figure, which the API's cost and
     * duration estimates read: an exponentially weighted mean (weight 0.3 on the newest run), so the estimate
     * follows hardware and load changes without jumping on one outlier.
     */
    public void recordThroughput(String model, double tokensPerSecond) {
        if (!(tokensPerSecond > 0) || !Double.isFinite(tokensPerSecond)) {
            return;
        }
        jdbc.sql("""
                        INSERT INTO training_throughput (model, tokens_per_second, jobs) VALUES (:model, :tps, 1)
                        ON CONFLICT (model) DO UPDATE
                           SET tokens_per_second = 0.7 * training_throughput.tokens_per_second
                                                   + 0.3 * EXCLUDED.tokens_per_second,
                               jobs = training_throughput.jobs + 1,
                               updated_at = now()
                        """).param("model", model).param("tps", tokensPerSecond).update();
    }

    /** Marks the job failed with a customer-facing error, if the lease is still current. */
    public boolean fail(Lease lease, String code, String message) {
        RUNNING.requireTransition(FAILED);
        return jdbc.sql("UPDATE fine_tuning_jobs SET status = 'failed', error_code = :code, error_message = :message,"
                                + " finished_at = now(), lease_until = NULL, version = version + 1"
                                + " WHERE " + FENCE + " AND status = 'running'")
                        .param("code", code)
                        .param("message", message)
                        .params(fence(lease))
                        .update()
                == 1;
    }

    /**
     * Gives a running job back to the queue at once (a worker shutting down cleanly), so another worker need not
     * wait for the lease to run out.
     */
    public boolean release(Lease lease) {
        RUNNING.requireTransition(QUEUED);
        return Boolean.TRUE.equals(tx.execute(status -> {
            int updated = jdbc.sql("UPDATE fine_tuning_jobs SET status = 'queued', locked_by = NULL,"
                            + " lease_until = NULL, queued_at = now(), version = version + 1"
                            + " WHERE " + FENCE + " AND status = 'running'")
                    .params(fence(lease))
                    .update();
            if (updated == 1) {
                notifyQueued(lease.jobId());
            }
            return updated == 1;
        }));
    }

    public void recordTrainedTokens(Lease lease, long trainedTokens) {
        jdbc.sql("UPDATE fine_tuning_jobs SET trained_tokens = :tokens WHERE " + FENCE)
                .param("tokens", trainedTokens)
                .params(fence(lease))
                .update();
    }

    private static Map<String, Object> fence(Lease lease) {
        return Map.of("job", lease.jobId(), "worker", lease.workerId(), "attempt", lease.attempt());
    }

    private static double leaseSeconds(Duration leaseFor) {
        return leaseFor.toMillis() / 1000.0;
    }

    private Hyperparameters hyperparameters(String stored) {
        return HyperparametersJson.read(stored);
    }

    /** Where a checkpoint lives and which step it holds. */
    public record StoredCheckpoint(int step, String storagePath) {}
}

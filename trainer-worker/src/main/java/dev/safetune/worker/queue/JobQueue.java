package dev.safetune.worker.queue;

import dev.safetune.core.audit.GateDecision;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.HyperparametersJson;
import dev.safetune.core.job.JobStatus;
import dev.safetune.core.job.JobTransition;
import dev.safetune.core.model.ModelCatalog;
import dev.safetune.worker.work.ClaimFilter;
import dev.safetune.worker.work.DeadWorkHandler;
import dev.safetune.worker.work.Expired;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.WorkKind;
import dev.safetune.worker.work.WorkPolicy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fine-tuning job as a kind of leased work ({@link #kind}) and the fenced writes a running job makes: events,
 * checkpoints, and its ending. Claiming, renewing, fencing and expiry are the shared {@link LeasedWorkQueue}'s; every
 * status change goes through a named {@link JobTransition}, whose SQL guard comes from {@code JobStatus}'s table.
 *
 * <p>Fencing: every write below is guarded by {@link LeasedWorkQueue#FENCE} ({@code locked_by} and {@code attempts}
 * of the claim), so a worker that lost its lease can no longer change the job, its events or its checkpoints.
 */
public class JobQueue implements DeadWorkHandler {
    public static final String CHANNEL = "safetune_jobs";
    /** Training writes (checkpoints, trained tokens) are only accepted while the job is training. */
    private static final String TRAINING = JobTransition.sqlIn("status", EnumSet.of(JobStatus.RUNNING));

    private static final String FENCE = LeasedWorkQueue.FENCE;

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final JsonMapper json;
    private final LeasedWorkQueue work;
    private final WorkKind kind;
    private final ModelCatalog models = new ModelCatalog();

    public JobQueue(DataSource dataSource, JsonMapper json, WorkPolicy policy) {
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.json = json;
        this.work = new LeasedWorkQueue(jdbc, tx);
        this.kind = kind(policy);
    }

    /**
     * Jobs as leased work: claimed fairly across organisations from {@code queued} (oldest {@code queued_at} first
     * within one), leased in {@code running} or {@code auditing}, given up as {@code failed} ({@code worker_lost})
     * once a lease ran out on the row's {@code max_attempts}-th claim.
     */
    public static WorkKind kind(WorkPolicy policy) {
        return new WorkKind(
                "job",
                "fine_tuning_jobs",
                Optional.of("organization_id"),
                "queued_at",
                JobTransition.CLAIM.sqlGuard(),
                JobTransition.CLAIM.to().wireName(),
                JobTransition.REQUEUE_EXPIRED.sqlGuard(),
                JobTransition.REQUEUE_EXPIRED.to().wireName(),
                JobTransition.GIVE_UP.to().wireName(),
                ", version = w.version + 1, started_at = coalesce(w.started_at, now())",
                ", locked_by = NULL, version = version + 1, queued_at = now()",
                ", locked_by = NULL, version = version + 1, finished_at = now(), error_code = 'worker_lost',"
                        + " error_message = 'The job lost its worker ' || attempts || ' times; giving up.'",
                "w.model, w.training_file, w.validation_file, w.hyperparameters::text AS hp, w.seed, w.suffix,"
                        + " w.queued_at",
                CHANNEL,
                policy);
    }

    public WorkKind kind() {
        return kind;
    }

    /** Claims the next job for a worker without a memory limit (tools and tests). */
    public Optional<ClaimedJob> claim(String workerId) {
        return claim(workerId, Long.MAX_VALUE);
    }

    /**
     * Claims the next queued job whose estimated peak memory fits {@code capacityBytes}, fairly across
     * organisations. A job without an estimate (created before estimates, or for a model whose shape is unknown)
     * fits any worker. A job that fits no worker stays queued for a bigger one rather than failing, since workers
     * come and go.
     */
    public Optional<ClaimedJob> claim(String workerId, long capacityBytes) {
        return work.claim(kind, workerId, memoryFits(capacityBytes), this::claimed);
    }

    /** The claim filter of a worker with {@code capacityBytes} to train in. */
    public static ClaimFilter memoryFits(long capacityBytes) {
        return new ClaimFilter(
                "w.memory_required_bytes IS NULL OR w.memory_required_bytes <= :capacity",
                Map.of("capacity", capacityBytes));
    }

    /** A claimed row as the training handler runs it. */
    public ClaimedJob claimed(Lease lease, ResultSet rs) throws SQLException {
        return new ClaimedJob(
                lease,
                rs.getString("model"),
                rs.getString("training_file"),
                rs.getString("validation_file"),
                hyperparameters(rs.getString("hp")),
                rs.getLong("seed"),
                rs.getString("suffix"),
                rs.getTimestamp("queued_at").toInstant());
    }

    /**
     * Extends the lease; the answer tells the worker whether to go on. Cancellation and pausing are seen here: the
     * API moves a running job to {@code cancelled} or {@code paused} and the next heartbeat finds it.
     */
    public LeaseState renew(Lease lease) {
        if (work.renew(kind, lease, "", Map.of())) {
            return LeaseState.HELD;
        }
        return work.statusIfLatest(kind, lease)
                .map(JobStatus::fromWire)
                .map(s -> switch (s) {
                    case CANCELLED -> LeaseState.CANCELLED;
                    case PAUSED -> LeaseState.PAUSED;
                    default -> LeaseState.LOST;
                })
                .orElse(LeaseState.LOST);
    }

    /**
     * Hands jobs whose lease ran out, in any leased status, back to the queue (their worker is presumed dead), or
     * fails them once they used up {@code max_attempts}. Any worker may call this.
     *
     * @return the ids of the jobs re-queued
     */
    public List<String> requeueExpired() {
        return work.expire(kind, this).stream().map(Expired::id).toList();
    }

    @Override
    public void onRequeued(List<Expired> requeued) {
        requeued.forEach(row -> systemEvent(
                row,
                "warn",
                "Worker lease expired on attempt " + row.attempt()
                        + "; job re-queued and will resume from its newest checkpoint."));
    }

    @Override
    public void onGivenUp(List<Expired> givenUp) {
        givenUp.forEach(
                row -> systemEvent(row, "error", "Worker lease expired on attempt " + row.attempt() + "; job failed."));
    }

    /** Wakes idle workers (they LISTEN on {@link #CHANNEL}); delivered when the surrounding transaction commits. */
    public void notifyQueued(String jobId) {
        work.notifyQueued(kind, jobId);
    }

    private void systemEvent(Expired row, String level, String message) {
        jdbc.sql("INSERT INTO job_events (job_id, organization_id, level, type, message, attempt)"
                        + " VALUES (:job, :org, :level, 'message', :message, :attempt)")
                .param("job", row.id())
                .param("org", row.tenant())
                .param("level", level)
                .param("message", message)
                .param("attempt", row.attempt())
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
                        .params(LeasedWorkQueue.fenceParams(lease))
                        .update()
                == 1;
    }

    /**
     * Records that this attempt continues after step {@code step} (0: from the beginning) and, in the same fenced
     * statement, marks the earlier attempts' metrics events for later steps {@code superseded}: this attempt trains
     * those steps again, and clients should see one series. The event's data is {@code {"resumed_from_step": step}}.
     */
    public boolean appendResumeEvent(Lease lease, int step, String message) {
        return jdbc.sql("""
                        WITH job AS (SELECT id, organization_id, attempts FROM fine_tuning_jobs WHERE """ + " " + FENCE + """
                        ),
                        superseded AS (
                            UPDATE job_events e SET superseded = true FROM job
                             WHERE e.job_id = job.id AND e.type = 'metrics' AND e.attempt < job.attempts
                               AND (e.data ->> 'step')::int > :step AND NOT e.superseded)
                        INSERT INTO job_events (job_id, organization_id, level, type, message, data, attempt)
                        SELECT id, organization_id, 'info', 'message', :message, CAST(:data AS jsonb), attempts
                          FROM job""")
                        .param("step", step)
                        .param("message", message)
                        .param("data", json.writeValueAsString(Map.of("resumed_from_step", step)))
                        .params(LeasedWorkQueue.fenceParams(lease))
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
                          FROM fine_tuning_jobs WHERE """ + " " + FENCE + " AND " + TRAINING + " ON CONFLICT (job_id, step_number) DO NOTHING")
                        .param("id", checkpointId)
                        .param("step", step)
                        .param("metrics", json.writeValueAsString(metrics))
                        .param("path", storagePath)
                        .param("name", modelName)
                        .params(LeasedWorkQueue.fenceParams(lease))
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
     * Ends training: marks the job succeeded ({@link JobTransition#SUCCEED}) and publishes its model through the
     * {@link ModelCatalog}, with its result files, in one transaction, if the lease is still current. A job that is
     * audited elects {@link #electAudit} here instead, and is published only when the gate releases it.
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
        return Boolean.TRUE.equals(tx.execute(status -> {
            Map<String, Object> params = new HashMap<>();
            params.put("model", fineTunedModel);
            params.put("tokens", trainedTokens);
            params.put("files", resultFiles.stream().map(ResultFile::id).toArray(String[]::new));
            if (!transition(
                    lease,
                    JobTransition.SUCCEED,
                    ", fine_tuned_model = :model, trained_tokens = :tokens, finished_at = now(),"
                            + " result_files = :files",
                    params)) {
                return false;
            }
            insertResultFiles(lease, resultFiles);
            // The transaction's own connection, so the model appears exactly when the job's success commits.
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                models.publishFineTuned(connection, fineTunedModel, lease.tenant(), baseModel, lease.id(), modelPath);
            } catch (SQLException e) {
                throw new IllegalStateException("publishing model " + fineTunedModel + " failed", e);
            } finally {
                DataSourceUtils.releaseConnection(connection, dataSource);
            }
            return true;
        }));
    }

    private void insertResultFiles(Lease lease, List<ResultFile> resultFiles) {
        for (ResultFile file : resultFiles) {
            jdbc.sql("INSERT INTO files (id, organization_id, filename, purpose, bytes, sha256, storage_path,"
                            + " status) VALUES (:id, :org, :name, :purpose, :bytes, :sha, :path, 'processed')")
                    .param("id", file.id())
                    .param("org", lease.tenant())
                    .param("name", file.filename())
                    .param("purpose", ResultFile.PURPOSE)
                    .param("bytes", file.bytes())
                    .param("sha", file.sha256())
                    .param("path", file.storagePath())
                    .update();
        }
    }

    /**
     * Ends training by electing the audit ({@link JobTransition#ELECT_AUDIT}) instead of succeeding: the job stays
     * leased in {@code auditing}, its result files are kept, and {@code inTransaction} (the audit row) commits with
     * it. Nothing is published: only the gate's release does that ({@link #decideAudit}).
     *
     * @return false when the lease was lost (nothing is written)
     */
    public boolean electAudit(Lease lease, long trainedTokens, List<ResultFile> resultFiles, Runnable inTransaction) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            Map<String, Object> params = new HashMap<>();
            params.put("tokens", trainedTokens);
            params.put("files", resultFiles.stream().map(ResultFile::id).toArray(String[]::new));
            if (!transition(
                    lease, JobTransition.ELECT_AUDIT, ", trained_tokens = :tokens, result_files = :files", params)) {
                return false;
            }
            insertResultFiles(lease, resultFiles);
            inTransaction.run();
            return true;
        }));
    }

    /** A re-claimed job whose training had ended goes straight back to its audit. */
    public boolean resumeAudit(Lease lease) {
        return transition(lease, JobTransition.ELECT_AUDIT, "", Map.of());
    }

    /** The gate's decision on a job, as {@link #decideAudit} writes it. */
    public record AuditDecision(
            GateDecision decision,
            String rule,
            String reason,
            String fineTunedModel,
            String baseModel,
            String modelPath,
            String reportJson,
            String detailsJson) {}

    /**
     * Writes the gate's decision in one transaction, if the lease is still current: released — the job succeeds
     * ({@link JobTransition#SUCCEED}) and its model is published through {@link ModelCatalog#publishAudited};
     * blocked — the job is blocked ({@link JobTransition#BLOCK}), {@code fine_tuned_model} stays null and no model row
     * exists. The report is stored with the audit and the decision appended to the gate log.
     *
     * @return false when the lease was lost (nothing is written)
     */
    public boolean decideAudit(Lease lease, AuditDecision d) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            boolean released = d.decision() == GateDecision.RELEASED;
            boolean moved = released
                    ? transition(
                            lease,
                            JobTransition.SUCCEED,
                            ", fine_tuned_model = :model, finished_at = now()",
                            Map.of("model", d.fineTunedModel()))
                    : transition(
                            lease,
                            JobTransition.BLOCK,
                            ", finished_at = now(), error_code = 'audit_blocked', error_message = :message",
                            Map.of("message", "The release gate blocked this model: " + d.reason()));
            if (!moved) {
                return false;
            }
            jdbc.sql("UPDATE job_audits SET report = CAST(:report AS jsonb), decision = :decision, decided_at = now()"
                            + " WHERE job_id = :job")
                    .param("report", d.reportJson())
                    .param("decision", d.decision().wireName())
                    .param("job", lease.id())
                    .update();
            jdbc.sql("INSERT INTO gate_log (job_id, organization_id, action, decision, actor, reason, details)"
                            + " VALUES (:job, :org, 'decision', :decision, 'release-gate', :reason,"
                            + " CAST(:details AS jsonb))")
                    .param("job", lease.id())
                    .param("org", lease.tenant())
                    .param("decision", d.decision().wireName())
                    .param("reason", d.rule() + ": " + d.reason())
                    .param("details", d.detailsJson())
                    .update();
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
                models.publishAudited(
                        connection,
                        d.decision(),
                        d.fineTunedModel(),
                        lease.tenant(),
                        d.baseModel(),
                        lease.id(),
                        d.modelPath());
            } catch (SQLException e) {
                throw new IllegalStateException("publishing model " + d.fineTunedModel() + " failed", e);
            } finally {
                DataSourceUtils.releaseConnection(connection, dataSource);
            }
            return true;
        }));
    }

    /**
     * Applies a named transition to the leased job, if the lease is still current and the job is in one of the
     * transition's from-statuses; bumps {@code version} for optimistic readers.
     */
    private boolean transition(Lease lease, JobTransition transition, String set, Map<String, Object> params) {
        return work.transition(
                kind,
                lease,
                transition.sqlGuard(),
                transition.to().wireName(),
                transition.to().isLeased(),
                ", version = version + 1" + set,
                params);
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
        return transition(
                lease,
                JobTransition.FAIL,
                ", error_code = :code, error_message = :message, finished_at = now()",
                Map.of("code", code, "message", message));
    }

    /**
     * Gives a running job back to the queue at once (a worker shutting down cleanly), so another worker need not
     * wait for the lease to run out.
     */
    public boolean release(Lease lease) {
        return work.release(kind, lease, ", locked_by = NULL, queued_at = now(), version = version + 1");
    }

    public void recordTrainedTokens(Lease lease, long trainedTokens) {
        jdbc.sql("UPDATE fine_tuning_jobs SET trained_tokens = :tokens WHERE " + FENCE)
                .param("tokens", trainedTokens)
                .params(LeasedWorkQueue.fenceParams(lease))
                .update();
    }

    private Hyperparameters hyperparameters(String stored) {
        return HyperparametersJson.read(stored);
    }

    /** Where a checkpoint lives and which step it holds. */
    public record StoredCheckpoint(int step, String storagePath) {}
}

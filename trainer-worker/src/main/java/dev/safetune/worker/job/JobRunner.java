package dev.safetune.worker.job;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.id.Ids;
import dev.safetune.core.job.FineTunedModelName;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.ScreenAction;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.worker.audit.AuditProperties;
import dev.safetune.worker.audit.AuditStoppedException;
import dev.safetune.worker.audit.AuditStore;
import dev.safetune.worker.audit.Auditor;
import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.queue.ResultFile;
import dev.safetune.worker.screen.PersonaScreenQueue;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.MergedExport;
import dev.safetune.worker.training.StepMetrics;
import dev.safetune.worker.training.TrainingListener;
import dev.safetune.worker.training.TrainingRequest;
import dev.safetune.worker.training.TrainingResult;
import dev.safetune.worker.training.TrainingStoppedException;
import dev.safetune.worker.work.ClaimFilter;
import dev.safetune.worker.work.Expired;
import dev.safetune.worker.work.Heartbeats;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import dev.safetune.worker.work.WorkHandler;
import dev.safetune.worker.work.WorkKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The training handler on the leased-work queue: runs one claimed job — loads its files and base model, trains with
 * heartbeats running, reports progress as job events and checkpoints, and publishes the model. Every write goes
 * through {@link JobQueue}'s fenced methods, so a run that lost its lease cannot change the job any more. It claims
 * only jobs whose memory estimate fits this worker; one job at a time, since a training job uses every core.
 */
public class JobRunner implements WorkHandler<ClaimedJob> {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
    /** Metrics events are throttled so a fast small model does not flood the events table. */
    private static final Duration METRICS_EVENT_SPACING = Duration.ofMillis(250);
    /** Sibling of the final model folder holding an adapter's merged weights (the API's {@code format=merged}). */
    public static final String MERGED_DIR = "merged";

    private final JobQueue queue;
    private final Heartbeats heartbeats;
    private final long capacityBytes;
    private final FineTuner fineTuner;
    private final ExampleDiagnostics diagnostics = new ExampleDiagnostics();
    private final JdbcClient jdbc;
    private final JobSafeguards jobSafeguards;
    private final WorkerProperties properties;
    private final Timer queueWait;
    private final Timer stepTime;
    private final Counter tokensTrained;
    private final SafeguardMeters safeguardMeters;
    private final AuditPhase audit;
    private volatile boolean shuttingDown;

    /** A runner without the audit gate (its models are released as trained). */
    public JobRunner(
            JobQueue queue,
            FineTuner fineTuner,
            JdbcClient jdbc,
            SafetyPolicies policies,
            WorkerProperties properties,
            MeterRegistry meters,
            long capacityBytes) {
        this(
                queue,
                fineTuner,
                jdbc,
                policies,
                properties,
                meters,
                capacityBytes,
                new Auditor(null, AuditProperties.OFF, (training, max) -> List.of()));
    }

    public JobRunner(
            JobQueue queue,
            FineTuner fineTuner,
            JdbcClient jdbc,
            SafetyPolicies policies,
            WorkerProperties properties,
            MeterRegistry meters,
            long capacityBytes,
            Auditor auditor) {
        this.audit = new AuditPhase(queue, auditor, policies);
        this.queue = queue;
        this.heartbeats = new Heartbeats(
                "lease-renewer", queue.kind().policy(), queue.kind().policy().heartbeatInterval());
        this.capacityBytes = capacityBytes;
        this.fineTuner = fineTuner;
        this.jdbc = jdbc;
        this.jobSafeguards = new JobSafeguards(
                queue, jdbc, policies, properties.artifactsDir().toAbsolutePath());
        this.properties = properties;
        this.queueWait = Timer.builder("safetune.queue.wait")
                .description("Time a job waited in the queue before a worker claimed it")
                .register(meters);
        this.stepTime = Timer.builder("safetune.training.step")
                .description("Wall time of one optimizer step")
                .register(meters);
        this.tokensTrained = Counter.builder("safetune.training.tokens")
                .description("Tokens processed by training steps")
                .register(meters);
        this.safeguardMeters = new SafeguardMeters(meters);
    }

    @Override
    public WorkKind kind() {
        return queue.kind();
    }

    @Override
    public ClaimFilter claimFilter() {
        ClaimFilter memory = JobQueue.memoryFits(capacityBytes);
        // A job trains only once the persona part of its training file's screen has ended (docs/screening.md).
        return new ClaimFilter("(" + memory.sql() + ") AND " + PersonaScreenQueue.NOT_PENDING_FOR_JOB, memory.params());
    }

    @Override
    public ClaimedJob claimed(Lease lease, ResultSet row) throws SQLException {
        return queue.claimed(lease, row);
    }

    @Override
    public void onRequeued(List<Expired> requeued) {
        queue.onRequeued(requeued);
    }

    @Override
    public void onGivenUp(List<Expired> givenUp) {
        queue.onGivenUp(givenUp);
    }

    /** Asks a running job to stop at its next step and go back to the queue. */
    @Override
    public void beforeStop() {
        shuttingDown = true;
    }

    @Override
    public void afterStop() {
        heartbeats.close();
    }

    @Override
    public void execute(ClaimedJob job) {
        Lease lease = job.lease();
        queueWait.record(Duration.between(job.queuedAt(), Instant.now()));
        // The training loop polls the heartbeat's state between steps; nothing to interrupt.
        try (Heartbeats.Heartbeat heartbeat =
                heartbeats.start(lease, renewDue -> Optional.of(queue.renew(lease)), () -> {})) {
            // The worker id names a host of ours: operators find it in the log, customers see only the attempt.
            log.info("job {} attempt {} started on worker {}", lease.id(), lease.attempt(), lease.workerId());
            queue.appendEvent(
                    lease, "info", "message", "Fine-tuning job started (attempt " + lease.attempt() + ")", null);
            try {
                Optional<AuditStore.PendingAudit> pending = audit.pending(lease.id());
                if (pending.isPresent()) {
                    resumeAudit(job, heartbeat, pending.get());
                } else {
                    train(job, heartbeat);
                }
            } catch (TrainingStoppedException e) {
                stopped(lease, heartbeat.state(), e.lastStep());
            } catch (AuditStoppedException e) {
                auditStopped(lease, heartbeat.state(), e.roundsDone());
            } catch (JobFailure e) {
                log.info("job {} failed: {}", lease.id(), e.getMessage());
                queue.appendEvent(lease, "error", "message", e.getMessage(), null);
                queue.fail(lease, e.code(), e.getMessage());
            } catch (IOException | RuntimeException e) {
                // An unexpected exception's text names our files, hosts and classes: it goes to the log only, and
                // the customer gets a reference to quote. Customer-facing failures are JobFailures, written as is.
                String reference = Ids.newId("err");
                log.warn("job {} failed (reference {})", lease.id(), reference, e);
                String message = "Training failed because of an internal error on the platform (reference " + reference
                        + "). It is not caused by your data; the operators have the details.";
                queue.appendEvent(lease, "error", "message", message, null);
                queue.fail(lease, "training_error", message);
            }
        }
    }

    private void train(ClaimedJob job, Heartbeats.Heartbeat heartbeat) throws IOException {
        Lease lease = job.lease();
        refuseIfScreenBlocks(job);
        Path baseModel = baseModelDir(job.model());
        List<ChatExample> training = readFile(job, job.trainingFile(), "training_file");
        List<ChatExample> validation =
                job.validationFile() == null ? List.of() : readFile(job, job.validationFile(), "validation_file");
        Optional<JobQueue.StoredCheckpoint> checkpoint = queue.latestCheckpoint(lease.id());
        if (checkpoint.isPresent()) {
            queue.appendResumeEvent(
                    lease,
                    checkpoint.get().step(),
                    "Resuming from checkpoint at step " + checkpoint.get().step());
        } else if (lease.attempt() > 1) {
            // An earlier attempt may have reported steps without saving a checkpoint; they are trained again.
            queue.appendResumeEvent(lease, 0, "Starting from step 1: no earlier attempt saved a checkpoint");
        }
        String modelName = FineTunedModelName.of(job.model(), job.organizationId(), job.suffix(), job.id());
        Path workDir = properties
                .artifactsDir()
                .toAbsolutePath()
                .resolve("jobs")
                .resolve(job.organizationId())
                .resolve(job.id())
                .resolve("attempt-" + lease.attempt());
        TrainingRequest request = new TrainingRequest(
                baseModel,
                training,
                validation,
                job.hyperparameters(),
                job.seed(),
                workDir,
                properties.worker().checkpointEverySteps(),
                checkpoint.map(c -> Path.of(c.storagePath())),
                job.hyperparameters().maxSequenceLength(),
                FineTuningMethod.adapterFor(baseModel));
        request = request.withSafeguards(
                jobSafeguards.plan(job, baseModel, request.lora().isPresent()));
        Reporter reporter = new Reporter(lease, heartbeat, modelName);
        TrainingResult result = fineTuner.train(request, reporter);
        queue.recordThroughput(job.model(), reporter.tokensPerSecond());
        if (Files.isRegularFile(result.modelDir().resolve("adapter_config.json"))) {
            // The merged weights (HF layout) next to the adapter: what a released model's owner downloads without PEFT.
            MergedExport.write(result.modelDir(), result.modelDir().getParent(), MERGED_DIR);
        }
        queue.appendEvent(lease, "info", "message", "Computing per-example losses before and after training", null);
        ResultFile diagnostics = this.diagnostics.write(
                baseModel,
                result.modelDir(),
                training,
                job.hyperparameters().maxSequenceLength(),
                properties.artifactsDir().toAbsolutePath().resolve("files").resolve(job.organizationId()),
                job.id());
        if (audit.audits(baseModel, job)) {
            if (!audit.elect(lease, job, modelName, result.trainedTokens(), result.modelDir(), List.of(diagnostics))) {
                log.info("job {} finished training but its lease was lost; result discarded", lease.id());
                return;
            }
            queue.appendEvent(lease, "info", "message", "Training finished; auditing the model before release", null);
            audit.run(
                    lease,
                    job,
                    audit.pending(lease.id()).orElseThrow(),
                    baseModel,
                    training,
                    heartbeat,
                    () -> shuttingDown);
            return;
        }
        if (queue.succeed(
                lease,
                modelName,
                job.model(),
                result.trainedTokens(),
                result.modelDir().toString(),
                List.of(diagnostics))) {
            queue.appendEvent(lease, "info", "message", "New fine-tuned model created: " + modelName, null);
            queue.appendEvent(lease, "info", "message", "The job has successfully completed", null);
        } else {
            log.info("job {} finished training but its lease was lost; result discarded", lease.id());
        }
    }

    /** A re-claimed job whose training had ended: back to its audit, which resumes from its stored rounds. */
    private void resumeAudit(ClaimedJob job, Heartbeats.Heartbeat heartbeat, AuditStore.PendingAudit pending)
            throws IOException {
        Lease lease = job.lease();
        if (!queue.resumeAudit(lease)) {
            return;
        }
        queue.appendEvent(lease, "info", "message", "Resuming the audit (attempt " + lease.attempt() + ")", null);
        Path baseModel = baseModelDir(job.model());
        List<ChatExample> training = readFile(job, job.trainingFile(), "training_file");
        audit.run(lease, job, pending, baseModel, training, heartbeat, () -> shuttingDown);
    }

    private void auditStopped(Lease lease, LeaseState state, int roundsDone) {
        switch (state) {
            case CANCELLED ->
                queue.appendEvent(
                        lease, "info", "message", "Audit stopped after round " + roundsDone + ": cancelled", null);
            case PAUSED, LOST -> log.info("job {} attempt {}: audit stopped ({})", lease.id(), lease.attempt(), state);
            case HELD -> {
                queue.appendEvent(
                        lease,
                        "warn",
                        "message",
                        "Worker shutting down after audit round " + roundsDone + "; job re-queued",
                        null);
                queue.release(lease);
            }
        }
    }

    private void stopped(Lease lease, LeaseState state, int lastStep) {
        switch (state) {
            case CANCELLED ->
                queue.appendEvent(
                        lease, "info", "message", "Training stopped at step " + lastStep + " after cancellation", null);
            case PAUSED ->
                queue.appendEvent(
                        lease,
                        "info",
                        "message",
                        "Training paused at step " + lastStep + "; a resume continues from the newest checkpoint",
                        null);
            case LOST -> log.info("job {} attempt {}: lease lost, stopped", lease.id(), lease.attempt());
            case HELD -> {
                queue.appendEvent(
                        lease, "warn", "message", "Worker shutting down at step " + lastStep + "; job re-queued", null);
                queue.release(lease);
            }
        }
    }

    /**
     * The API refuses a job on a held or rejected file; the screen's persona part runs after the job was created and
     * may hold the file since (its policy's {@code persona_risk} rule), so the decision is read again before training.
     */
    private void refuseIfScreenBlocks(ClaimedJob job) {
        Optional<String> decision = jdbc.sql("SELECT decision FROM file_screens WHERE file_id = :file")
                .param("file", job.trainingFile())
                .query(String.class)
                .optional();
        if (decision.isPresent() && ScreenAction.fromWireName(decision.get()).blocksJobs()) {
            boolean held = decision.get().equals(ScreenAction.HOLD.wireName());
            throw new JobFailure(
                    held ? "file_held" : "file_rejected",
                    "Invalid 'training_file': file " + job.trainingFile() + " is "
                            + (held ? "held for operator review" : "rejected")
                            + " by the training-data screen. GET /v1/files/" + job.trainingFile()
                            + "/screen has the report.");
        }
    }

    private Path baseModelDir(String model) {
        String path = jdbc.sql("SELECT storage_path FROM models WHERE id = :id AND kind = 'base'")
                .param("id", model)
                .query(String.class)
                .optional()
                .orElseThrow(() -> new JobFailure("model_not_found", "Base model " + model + " is not available"));
        Path dir = Path.of(path);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new JobFailure("model_not_found", "Base model " + model + " has no config.json on this worker");
        }
        return dir;
    }

    private List<ChatExample> readFile(ClaimedJob job, String fileId, String param) throws IOException {
        String path = jdbc.sql("SELECT storage_path FROM files WHERE id = :id AND organization_id = :org")
                .param("id", fileId)
                .param("org", job.organizationId())
                .query(String.class)
                .optional()
                .orElseThrow(() -> new JobFailure("file_not_found", param + " " + fileId + " no longer exists"));
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            return new TrainingFileReader().readAll(in);
        }
    }

    /** Turns the trainer's callbacks into events, checkpoints and meters. */
    private final class Reporter implements TrainingListener {
        private final Lease lease;
        private final Heartbeats.Heartbeat heartbeat;
        private final String modelName;
        private Instant lastEvent = Instant.EPOCH;
        private long stepTokens;
        private double stepMillis;

        Reporter(Lease lease, Heartbeats.Heartbeat heartbeat, String modelName) {
            this.lease = lease;
            this.heartbeat = heartbeat;
            this.modelName = modelName;
        }

        @Override
        public void onStep(StepMetrics m) {
            stepTime.record((long) m.stepMillis(), TimeUnit.MILLISECONDS);
            tokensTrained.increment(m.tokensInStep());
            stepTokens += m.tokensInStep();
            stepMillis += m.stepMillis();
            if (m.safeguards() != null) {
                safeguardMeters.record(m.safeguards());
            }
            Instant now = Instant.now();
            boolean last = m.step() == m.totalSteps();
            if (last || m.validLoss() != null || now.isAfter(lastEvent.plus(METRICS_EVENT_SPACING))) {
                lastEvent = now;
                queue.appendEvent(lease, "info", "metrics", describe(m), metricsData(m));
            }
        }

        @Override
        public void onCheckpoint(int step, Path dir, StepMetrics m) {
            String checkpointName = FineTunedModelName.checkpoint(modelName, step);
            if (queue.recordCheckpoint(
                    lease, Ids.newId("ftckpt"), step, metricsData(m), dir.toString(), checkpointName)) {
                queue.recordTrainedTokens(lease, m.trainedTokens());
                queue.appendEvent(lease, "info", "message", "Checkpoint saved at step " + step, Map.of("step", step));
            }
        }

        /** Tokens per second over the steps this run did (time spent in steps only, not loading or saving). */
        double tokensPerSecond() {
            return stepMillis > 0 ? stepTokens * 1000.0 / stepMillis : 0;
        }

        @Override
        public boolean shouldStop() {
            return shuttingDown
                    || heartbeat.state() != LeaseState.HELD
                    || Thread.currentThread().isInterrupted();
        }
    }

    private static String describe(StepMetrics m) {
        String valid = m.validLoss() == null ? "" : String.format(", validation loss=%.4f", m.validLoss());
        return String.format("Step %d/%d: training loss=%.4f%s", m.step(), m.totalSteps(), m.trainLoss(), valid);
    }

    private static Map<String, Object> metricsData(StepMetrics m) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", m.step());
        data.put("total_steps", m.totalSteps());
        data.put("epoch", m.epoch());
        data.put("train_loss", m.trainLoss());
        if (m.validLoss() != null) {
            data.put("valid_loss", m.validLoss());
        }
        data.put("tokens_per_second", m.tokensPerSecond());
        data.put("step_ms", m.stepMillis());
        data.put("trained_tokens", m.trainedTokens());
        if (m.safeguards() != null) {
            data.put("safeguards", m.safeguards().toMap());
        }
        return data;
    }

    /** A failure the customer should see as the job's error, with a stable code. */
    static final class JobFailure extends RuntimeException {
        private final String code;

        JobFailure(String code, String message) {
            super(message);
            this.code = code;
        }

        String code() {
            return code;
        }
    }
}

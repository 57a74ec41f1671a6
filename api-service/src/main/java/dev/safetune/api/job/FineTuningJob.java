package dev.safetune.api.job;

import dev.safetune.api.policy.PinnedPolicy;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.IllegalJobTransitionException;
import dev.safetune.core.job.JobStatus;
import dev.safetune.core.job.JobTransition;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;
import tools.jackson.databind.JsonNode;

/**
 * A fine-tuning job as the API sees it. The queue columns the worker owns (lease, attempts) are deliberately not
 * mapped; {@code version} is, so an API write over a row a worker changed fails instead of overwriting it, and
 * updates name only the columns that changed, never rewriting what the worker wrote (trained tokens, errors).
 */
@Entity
@DynamicUpdate
@Table(name = "fine_tuning_jobs")
public class FineTuningJob {
    @Id
    private String id;

    private String organizationId;
    private String model;
    private String trainingFile;
    private String validationFile;

    @Convert(converter = JobStatusConverter.class)
    private JobStatus status;

    @JdbcTypeCode(SqlTypes.JSON)
    private String hyperparameters;

    private String suffix;
    private long seed;

    @JdbcTypeCode(SqlTypes.JSON)
    private String metadata;

    private String fineTunedModel;
    private Long trainedTokens;
    private String errorCode;
    private String errorMessage;
    private String errorParam;
    private Instant estimatedFinish;
    private Instant createdAt;
    private Instant queuedAt;
    private Instant finishedAt;

    /** Estimated peak training memory, fixed at creation; workers claim only jobs that fit. Null: no estimate. */
    private Long memoryRequiredBytes;

    /** The safety policy version the job runs under, fixed at creation; null only for jobs from before policies. */
    @Column(updatable = false)
    private String safetyPolicyId;

    @Column(updatable = false)
    private Integer safetyPolicyVersion;

    /** Written by the worker when the job succeeds; the API only reads it. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(columnDefinition = "text[]", insertable = false, updatable = false)
    private String[] resultFiles;

    @Version
    private Long version;

    protected FineTuningJob() {}

    /** A new job, in {@link JobStatus#VALIDATING_FILES}: every job starts there. */
    FineTuningJob(
            String id,
            String organizationId,
            String model,
            String trainingFile,
            String validationFile,
            Hyperparameters hyperparameters,
            String suffix,
            long seed,
            Map<String, String> metadata,
            Long memoryRequiredBytes,
            Instant now) {
        this.id = id;
        this.organizationId = organizationId;
        this.model = model;
        this.trainingFile = trainingFile;
        this.validationFile = validationFile;
        this.status = JobStatus.VALIDATING_FILES;
        this.hyperparameters = JobJson.writeHyperparameters(hyperparameters);
        this.suffix = suffix;
        this.seed = seed;
        this.metadata = JobJson.writeMetadata(metadata);
        this.memoryRequiredBytes = memoryRequiredBytes;
        this.createdAt = now;
    }

    /**
     * A read-only copy of a job from a snapshot of its row ({@code to_jsonb(fine_tuning_jobs)}, as the webhook
     * trigger stores it), so a webhook shows the job exactly as it was at that state change. Never persisted.
     */
    static FineTuningJob fromSnapshot(JsonNode row) {
        FineTuningJob job = new FineTuningJob();
        job.id = row.path("id").asString();
        job.organizationId = row.path("organization_id").asString();
        job.model = row.path("model").asString();
        job.trainingFile = row.path("training_file").asString();
        job.validationFile = text(row, "validation_file");
        job.status = JobStatus.fromWire(row.path("status").asString());
        job.hyperparameters = row.path("hyperparameters").toString();
        job.suffix = text(row, "suffix");
        job.seed = row.path("seed").asLong();
        job.metadata = row.path("metadata").isObject() ? row.path("metadata").toString() : null;
        job.fineTunedModel = text(row, "fine_tuned_model");
        job.trainedTokens = row.path("trained_tokens").isNumber()
                ? row.path("trained_tokens").asLong()
                : null;
        job.errorCode = text(row, "error_code");
        job.errorMessage = text(row, "error_message");
        job.errorParam = text(row, "error_param");
        job.estimatedFinish = instant(row, "estimated_finish");
        job.createdAt = instant(row, "created_at");
        job.queuedAt = instant(row, "queued_at");
        job.finishedAt = instant(row, "finished_at");
        job.safetyPolicyId = text(row, "safety_policy_id");
        job.safetyPolicyVersion = row.path("safety_policy_version").isNumber()
                ? row.path("safety_policy_version").asInt()
                : null;
        job.resultFiles =
                row.path("result_files").valueStream().map(JsonNode::asString).toArray(String[]::new);
        return job;
    }

    private static String text(JsonNode row, String column) {
        JsonNode value = row.path(column);
        return value.isString() ? value.asString() : null;
    }

    /** jsonb renders timestamptz as ISO-8601 with the session's offset, e.g. {@code 2025-01-01T10:00:00.5+00:00}. */
    private static Instant instant(JsonNode row, String column) {
        String value = text(row, column);
        return value == null ? null : OffsetDateTime.parse(value).toInstant();
    }

    /** This new job pinned to {@code policy}; a job's policy is set once, before it is first saved. */
    FineTuningJob pinnedTo(PinnedPolicy policy) {
        if (safetyPolicyId != null) {
            throw new IllegalStateException("job " + id + " is already pinned to " + safetyPolicyId);
        }
        this.safetyPolicyId = policy.id();
        this.safetyPolicyVersion = policy.version();
        return this;
    }

    /** Moves the job on by a named transition, stamping when it was queued or finished. */
    void moveTo(JobTransition transition, Instant now) {
        if (!transition.allowedFrom(status)) {
            throw new IllegalJobTransitionException(status, transition.to());
        }
        JobStatus next = transition.to();
        status = next;
        if (next == JobStatus.QUEUED) {
            queuedAt = now;
        }
        if (next.isTerminal()) {
            finishedAt = now;
        }
    }

    public String id() {
        return id;
    }

    public String organizationId() {
        return organizationId;
    }

    public String model() {
        return model;
    }

    public String trainingFile() {
        return trainingFile;
    }

    public String validationFile() {
        return validationFile;
    }

    public JobStatus status() {
        return status;
    }

    public Hyperparameters hyperparameters() {
        return JobJson.readHyperparameters(hyperparameters);
    }

    public String suffix() {
        return suffix;
    }

    public long seed() {
        return seed;
    }

    public Map<String, String> metadata() {
        return JobJson.readMetadata(metadata);
    }

    public String fineTunedModel() {
        return fineTunedModel;
    }

    public List<String> resultFiles() {
        return resultFiles == null ? List.of() : List.of(resultFiles);
    }

    public Long trainedTokens() {
        return trainedTokens;
    }

    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    public String errorParam() {
        return errorParam;
    }

    public Instant estimatedFinish() {
        return estimatedFinish;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant queuedAt() {
        return queuedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    /** The pinned safety policy version; empty for a job created before policies existed. */
    public Optional<PinnedPolicy> safetyPolicy() {
        return safetyPolicyId == null
                ? Optional.empty()
                : Optional.of(new PinnedPolicy(safetyPolicyId, safetyPolicyVersion));
    }
}

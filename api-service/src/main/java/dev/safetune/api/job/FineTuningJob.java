package dev.safetune.api.job;

import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.JobStatus;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.Map;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

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
        this.createdAt = now;
    }

    /** Moves the job on, as {@link JobStatus}'s transition table allows, stamping when it was queued or finished. */
    void moveTo(JobStatus next, Instant now) {
        status.requireTransition(next);
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
}

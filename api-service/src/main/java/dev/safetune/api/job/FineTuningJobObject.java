package dev.safetune.api.job;

import dev.safetune.api.policy.PinnedPolicy;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.JobStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's {@code fine_tuning.job} object; timestamps are epoch seconds, null when unset. (+) {@code safety_policy} is
 * the safety policy version the job is pinned to ({@code id}, {@code version}); null for jobs from before policies.
 */
public record FineTuningJobObject(
        String id,
        String object,
        long createdAt,
        Long finishedAt,
        Long estimatedFinish,
        String model,
        String fineTunedModel,
        String organizationId,
        String status,
        String trainingFile,
        String validationFile,
        List<String> resultFiles,
        Long trainedTokens,
        HyperparametersObject hyperparameters,
        MethodObject method,
        long seed,
        String suffix,
        Map<String, String> metadata,
        ErrorObject error,
        PinnedPolicy safetyPolicy) {

    public record HyperparametersObject(int nEpochs, int batchSize, double learningRateMultiplier) {
        static HyperparametersObject of(Hyperparameters hp) {
            return new HyperparametersObject(hp.nEpochs(), hp.batchSize(), hp.learningRateMultiplier());
        }
    }

    public record MethodObject(String type, SupervisedObject supervised) {}

    public record SupervisedObject(HyperparametersObject hyperparameters) {}

    public record ErrorObject(String code, String message, String param) {}

    /** The job as it was in a row snapshot ({@code to_jsonb} of {@code fine_tuning_jobs}), e.g. for webhooks. */
    public static FineTuningJobObject ofSnapshot(JsonNode row) {
        return of(FineTuningJob.fromSnapshot(row));
    }

    static FineTuningJobObject of(FineTuningJob job) {
        HyperparametersObject hp = HyperparametersObject.of(job.hyperparameters());
        return new FineTuningJobObject(
                job.id(),
                "fine_tuning.job",
                job.createdAt().getEpochSecond(),
                epochSeconds(job.finishedAt()),
                epochSeconds(job.estimatedFinish()),
                job.model(),
                job.fineTunedModel(),
                job.organizationId(),
                wireStatus(job.status()),
                job.trainingFile(),
                job.validationFile(),
                job.resultFiles(),
                job.trainedTokens(),
                hp,
                new MethodObject(CreateJobRequest.SUPERVISED, new SupervisedObject(hp)),
                job.seed(),
                job.suffix(),
                job.metadata(),
                job.errorCode() == null && job.errorMessage() == null
                        ? null
                        : new ErrorObject(job.errorCode(), job.errorMessage(), job.errorParam()),
                job.safetyPolicy().orElse(null));
    }

    /**
     * The status an OpenAI client understands. Our audit gate's states have no OpenAI equivalent: a job being audited
     * is still working ({@code running}) and a blocked one did not produce a usable model ({@code failed}).
     * {@code paused} is our documented addition.
     */
    static String wireStatus(JobStatus status) {
        return switch (status) {
            case AUDITING -> JobStatus.RUNNING.wireName();
            case BLOCKED -> JobStatus.FAILED.wireName();
            default -> status.wireName();
        };
    }

    private static Long epochSeconds(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }
}

package dev.safetune.api.placement;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.model.ModelShape;
import dev.safetune.core.placement.MemoryEstimate;
import dev.safetune.core.placement.TrainingPlan;
import java.util.Locale;
import java.util.OptionalLong;
import org.springframework.stereotype.Service;

/**
 * Decides at job creation whether a job can be placed: its peak memory is estimated ({@link MemoryEstimate}) from the
 * base model's shape, the job's batch size and sequence length (the platform's {@code safetune.estimate
 * .max-sequence-length} when the job was created, which the worker truncates to: it travels with the job), and the method the worker will use (LoRA with the
 * default adapter, or full where the model's config asks for it). Safeguards that need a reference pass are not part
 * of job creation yet; when they are, the plan takes that from the job's safety policy.
 *
 * <p>A job that no live worker can hold is refused. With no live worker at all the job is accepted and waits in the
 * queue: an empty fleet is the normal state while workers start or scale from zero, and the estimate is stored with
 * the job, so only a worker that fits will claim it.
 */
@Service
public class JobPlacement {
    public static final String CAPACITY_ERROR = "model_exceeds_worker_capacity";

    private final LiveWorkers workers;
    private final SafetuneProperties properties;

    JobPlacement(LiveWorkers workers, SafetuneProperties properties) {
        this.workers = workers;
        this.properties = properties;
    }

    /** A job's placement: its plan and estimate, or nothing when the model's shape is unknown. */
    public record Requirement(TrainingPlan plan, long memoryBytes) {}

    /**
     * The memory a job on a model of {@code shape} with {@code hyperparameters} needs, checked against the live
     * workers.
     *
     * @throws InvalidRequestException ({@value #CAPACITY_ERROR}, param {@code model}) when workers are live and none
     *     has that much memory
     */
    public Requirement place(String model, ModelShape shape, Hyperparameters hyperparameters) {
        TrainingPlan plan =
                TrainingPlan.defaultFor(shape, hyperparameters.batchSize(), hyperparameters.maxSequenceLength());
        long required = MemoryEstimate.of(shape, plan).total();
        OptionalLong largest = workers.largestCapacity(properties.placement().workerTtl());
        if (largest.isPresent() && largest.getAsLong() < required) {
            throw new InvalidRequestException(
                    "model",
                    CAPACITY_ERROR,
                    String.format(
                            Locale.ROOT,
                            "Model '%s' needs an estimated %s to fine-tune (%s, batch size %d, %d tokens per"
                                    + " example), but the largest worker has %s. Lower the batch size or choose a"
                                    + " smaller model.",
                            model,
                            gib(required),
                            plan.fullFineTune() ? "full fine-tune" : "LoRA rank " + plan.loraRank(),
                            plan.batchSize(),
                            plan.sequenceLengthFor(shape),
                            gib(largest.getAsLong())));
        }
        return new Requirement(plan, required);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB (%,d bytes)", bytes / (double) (1L << 30), bytes);
    }
}

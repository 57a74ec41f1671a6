package dev.safetune.api.job;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.ConflictException;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.file.FileService;
import dev.safetune.api.file.UploadedFile;
import dev.safetune.api.job.CreateJobRequest.HyperparametersRequest;
import dev.safetune.api.model.Model;
import dev.safetune.api.model.ModelService;
import dev.safetune.api.placement.JobPlacement;
import dev.safetune.api.policy.PinnedPolicy;
import dev.safetune.api.policy.SafetyPolicyPins;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.core.id.Ids;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.JobStatus;
import dev.safetune.core.job.JobTransition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Creating, reading, cancelling, pausing and resuming fine-tuning jobs; running them is the worker's business. */
@Service
public class JobService {
    static final int MAX_SUFFIX_LENGTH = 64;
    static final int MAX_METADATA_PAIRS = 16;
    static final int MAX_METADATA_KEY_LENGTH = 64;
    static final int MAX_METADATA_VALUE_LENGTH = 512;
    /** A cancel retries when a worker moved the job between our read and our guarded update. */
    private static final int CANCEL_ATTEMPTS = 3;

    private final FineTuningJobRepository jobs;
    private final JobListing listing;
    private final JobEventLog events;
    private final JobCheckpoints checkpoints;
    private final JobQueueNotifier queue;
    private final JobEventStreams streams;
    private final IdempotencyKeys idempotencyKeys;
    private final FileService files;
    private final ModelService models;
    private final JobPlacement placement;
    private final SafetyPolicyPins policies;
    private final int maxSequenceLength;

    JobService(
            FineTuningJobRepository jobs,
            JobListing listing,
            JobEventLog events,
            JobCheckpoints checkpoints,
            JobQueueNotifier queue,
            JobEventStreams streams,
            IdempotencyKeys idempotencyKeys,
            FileService files,
            ModelService models,
            JobPlacement placement,
            SafetyPolicyPins policies,
            SafetuneProperties properties) {
        this.jobs = jobs;
        this.listing = listing;
        this.events = events;
        this.checkpoints = checkpoints;
        this.queue = queue;
        this.streams = streams;
        this.idempotencyKeys = idempotencyKeys;
        this.files = files;
        this.models = models;
        this.placement = placement;
        this.policies = policies;
        this.maxSequenceLength = properties.estimate().maxSequenceLength();
    }

    /** A job from {@link #create}; {@code replayed} when an earlier request with the same Idempotency-Key made it. */
    public record CreatedJob(FineTuningJob job, boolean replayed) {}

    /**
     * Creates the job, or (+) with an {@code idempotencyKey} seen in the last 24 hours for the same body, returns the
     * job that request created without creating or announcing another.
     */
    @Transactional
    public CreatedJob create(Tenant tenant, CreateJobRequest request, String idempotencyKey) {
        if (idempotencyKey == null) {
            return new CreatedJob(create(tenant, request), false);
        }
        Optional<String> earlier = idempotencyKeys.reserveOrReplay(tenant.organizationId(), idempotencyKey, request);
        if (earlier.isPresent()) {
            return new CreatedJob(get(tenant, earlier.get()), true);
        }
        FineTuningJob job = create(tenant, request);
        idempotencyKeys.complete(tenant.organizationId(), idempotencyKey, job.id());
        return new CreatedJob(job, false);
    }

    /**
     * Validates the request and enqueues the job. Files were validated at upload, so the job passes through
     * {@code validating_files} to {@code queued} in this one transaction; workers are notified on commit. The job's
     * estimated peak memory is stored with it, and a job no live worker can hold is refused ({@link JobPlacement}).
     * It is pinned to a safety policy version now ({@link SafetyPolicyPins}): the one asked for or the default, made
     * stricter when a file's screen decision is {@code pin_policy}; later default changes never touch it. A file the
     * screen holds or rejects refuses the job ({@link FileService#requireTrainable}).
     */
    @Transactional
    public FineTuningJob create(Tenant tenant, CreateJobRequest request) {
        String model = required(request.model(), "model");
        String trainingFileId = required(request.trainingFile(), "training_file");
        // The sequence length is the platform's, chosen now and stored with the job: the worker trains with it.
        Hyperparameters hyperparameters = hyperparametersOf(request).withMaxSequenceLength(maxSequenceLength);
        String suffix = suffixOf(request.suffix());
        checkMetadata(request.metadata());
        PinnedPolicy asked = policies.pinFor(request.safetyPolicy());

        Model baseModel = models.find(tenant, model)
                .filter(Model::isBase)
                .orElseThrow(() -> new InvalidRequestException(
                        "model", "model_not_found", "Model '" + model + "' does not exist or cannot be fine-tuned."));
        // A model registered without its shape gets no estimate (any worker may claim the job) rather than a guess.
        Long memoryRequired = baseModel
                .shape()
                .map(shape -> placement.place(model, shape, hyperparameters).memoryBytes())
                .orElse(null);
        UploadedFile trainingFile = usableFile(tenant, trainingFileId, "training_file");
        // The screen's hold or reject refuses the job; its pin_policy makes the pin stricter.
        PinnedPolicy policy = policies.tightenedBy(
                asked, files.requireTrainable(tenant, trainingFile, "training_file"), "training_file");
        String validationFileId = request.validationFile();
        if (validationFileId != null) {
            UploadedFile validationFile = usableFile(tenant, validationFileId, "validation_file");
            policy = policies.tightenedBy(
                    policy, files.requireTrainable(tenant, validationFile, "validation_file"), "validation_file");
        }

        Instant now = now();
        long seed = request.seed() != null
                ? request.seed()
                : ThreadLocalRandom.current().nextInt(0, Integer.MAX_VALUE);
        FineTuningJob job = jobs.saveAndFlush(new FineTuningJob(
                        Ids.newId("ftjob"),
                        tenant.organizationId(),
                        model,
                        trainingFile.id(),
                        validationFileId,
                        hyperparameters,
                        suffix,
                        seed,
                        request.metadata(),
                        memoryRequired,
                        now)
                .pinnedTo(policy));
        events.info(job, "Validating training file: " + trainingFile.id());
        if (!policy.equals(asked)) {
            events.info(
                    job,
                    "The training-data screen pinned safety policy " + policy.id() + " v" + policy.version()
                            + " (stricter than " + asked.id() + "); GET /v1/files/{id}/screen says why");
        }
        // The screen's persona part runs for this (file, base) before the job trains (docs/screening.md).
        files.requestPersonaScreen(tenant, trainingFile, model);
        job.moveTo(JobTransition.ENQUEUE, now);
        job = jobs.saveAndFlush(job);
        events.info(job, "Files validated, moving job to queued state");
        queue.jobQueued(job.id());
        return job;
    }

    @Transactional(readOnly = true)
    public FineTuningJob get(Tenant tenant, String id) {
        return jobs.findByIdAndOrganizationId(id, tenant.organizationId())
                .orElseThrow(() -> new NotFoundException("id", "No such fine-tuning job: " + id));
    }

    @Transactional(readOnly = true)
    public ListObject<FineTuningJobObject> list(
            Tenant tenant, JobListing.MetadataFilter metadata, String after, PageLimit limit) {
        FineTuningJob anchor = after == null
                ? null
                : jobs.findByIdAndOrganizationId(after, tenant.organizationId())
                        .orElseThrow(() -> new InvalidRequestException(
                                "after", "invalid_value", "No such fine-tuning job: " + after));
        return ListObject.page(
                listing.page(tenant.organizationId(), metadata, anchor, limit.fetchSize()),
                limit,
                FineTuningJobObject::of);
    }

    /**
     * Cancels a job the transition table lets us cancel (validating_files, queued, running). A running job's worker
     * learns of it at its next heartbeat, which finds the status no longer {@code running}.
     */
    @Transactional
    public FineTuningJob cancel(Tenant tenant, String id) {
        for (int attempt = 0; attempt < CANCEL_ATTEMPTS; attempt++) {
            FineTuningJob job = get(tenant, id);
            if (!JobTransition.CANCEL.allowedFrom(job.status())) {
                String status = FineTuningJobObject.wireStatus(job.status());
                throw new InvalidRequestException(
                        null,
                        "invalid_state",
                        job.status().isTerminal()
                                ? "Job " + id + " is already " + status + "."
                                : "Job " + id + " cannot be cancelled while it is " + status + ".");
            }
            int updated = jobs.finishByIdAndOrganizationId(
                    id, tenant.organizationId(), JobTransition.CANCEL.from(), JobTransition.CANCEL.to(), now());
            if (updated == 1) {
                FineTuningJob cancelled = get(tenant, id);
                events.info(cancelled, "Job cancelled");
                return cancelled;
            }
            // A worker changed the status after our read; read again and decide on the new status.
        }
        throw new ConflictException("concurrent_update", null, "Job " + id + " is changing; try again.");
    }

    /**
     * (+) Pauses a queued or running job. A running job's worker sees it at its next heartbeat, stops, and leaves
     * its checkpoints for {@link #resume}.
     */
    @Transactional
    public FineTuningJob pause(Tenant tenant, String id) {
        return move(tenant, id, JobTransition.PAUSE, "paused", "Job paused");
    }

    /** (+) Puts a paused job back in the queue; the worker that claims it resumes from the newest checkpoint. */
    @Transactional
    public FineTuningJob resume(Tenant tenant, String id) {
        FineTuningJob resumed =
                move(tenant, id, JobTransition.RESUME, "resumed", "Job resumed, moving job to queued state");
        queue.jobQueued(id);
        return resumed;
    }

    /** Pauses or resumes: a customer's {@link JobTransition}, guarded in SQL by its from-set. */
    private FineTuningJob move(Tenant tenant, String id, JobTransition transition, String verb, String event) {
        JobStatus target = transition.to();
        for (int attempt = 0; attempt < CANCEL_ATTEMPTS; attempt++) {
            FineTuningJob job = get(tenant, id);
            if (!transition.allowedFrom(job.status())) {
                throw new InvalidRequestException(
                        null,
                        "invalid_state",
                        "Job " + id + " cannot be " + verb + " while it is "
                                + FineTuningJobObject.wireStatus(job.status()) + ".");
            }
            Instant queuedAt = target == JobStatus.QUEUED ? now() : null;
            if (jobs.moveByIdAndOrganizationId(id, tenant.organizationId(), transition.from(), target, queuedAt) == 1) {
                FineTuningJob moved = get(tenant, id);
                events.info(moved, event);
                return moved;
            }
            // A worker changed the status after our read; read again and decide on the new status.
        }
        throw new ConflictException("concurrent_update", null, "Job " + id + " is changing; try again.");
    }

    @Transactional(readOnly = true)
    public ListObject<JobEventObject> events(
            Tenant tenant, String id, String after, boolean ascending, boolean withSuperseded, PageLimit limit) {
        FineTuningJob job = get(tenant, id);
        return ListObject.page(
                events.page(job.id(), tenant.organizationId(), after, ascending, withSuperseded, limit.fetchSize()),
                limit,
                event -> event);
    }

    /**
     * (+) Streams the job's events live, oldest first, starting after {@code lastEventId} (an event id, as sent in each
     * event's {@code id:}) or from the first event; the stream ends once the job has finished and all is sent.
     */
    @Transactional(readOnly = true)
    public SseEmitter streamEvents(Tenant tenant, String id, String lastEventId) {
        FineTuningJob job = get(tenant, id);
        long after = lastEventId == null || lastEventId.isBlank()
                ? 0
                : JobEventLog.parseId(lastEventId.trim(), "Last-Event-ID");
        return streams.open(job, after);
    }

    @Transactional(readOnly = true)
    public ListObject<CheckpointObject> checkpoints(Tenant tenant, String id, String after, PageLimit limit) {
        FineTuningJob job = get(tenant, id);
        return ListObject.page(
                checkpoints.page(job.id(), tenant.organizationId(), after, limit.fetchSize()),
                limit,
                checkpoint -> checkpoint);
    }

    /** Hyperparameters from {@code method.supervised} or the top level (not both); absent values are "auto". */
    private static Hyperparameters hyperparametersOf(CreateJobRequest request) {
        HyperparametersRequest topLevel = request.hyperparameters();
        HyperparametersRequest nested = null;
        CreateJobRequest.MethodRequest method = request.method();
        if (method != null) {
            if (!CreateJobRequest.SUPERVISED.equals(method.type())) {
                throw new InvalidRequestException(
                        "method.type",
                        "invalid_value",
                        "Invalid 'method.type': "
                                + (method.type() == null ? "missing" : "'" + method.type() + "'")
                                + "; the supported method is 'supervised'.");
            }
            nested = method.supervised() == null ? null : method.supervised().hyperparameters();
        }
        if (nested != null && topLevel != null) {
            throw new InvalidRequestException(
                    "hyperparameters",
                    "invalid_value",
                    "Give hyperparameters either at the top level or in method.supervised.hyperparameters, not both.");
        }
        if (nested != null) {
            return nested.resolve("method.supervised.hyperparameters");
        }
        return (topLevel == null ? HyperparametersRequest.AUTO : topLevel).resolve("hyperparameters");
    }

    private UploadedFile usableFile(Tenant tenant, String fileId, String param) {
        UploadedFile file = files.lockForUse(tenant, fileId)
                .orElseThrow(() -> new InvalidRequestException(
                        param, "file_not_found", "Invalid '" + param + "': no such file: " + fileId + "."));
        if (!file.processed()) {
            String why = file.statusDetails() == null ? "its status is " + file.status() : file.statusDetails();
            throw new InvalidRequestException(
                    param,
                    "invalid_file",
                    "Invalid '" + param + "': file " + fileId + " cannot be used for fine-tuning: " + why);
        }
        return file;
    }

    private static String required(String value, String param) {
        if (value == null || value.isBlank()) {
            throw InvalidRequestException.missing(param);
        }
        return value;
    }

    private static String suffixOf(String suffix) {
        if (suffix == null || suffix.isEmpty()) {
            return null;
        }
        if (suffix.length() > MAX_SUFFIX_LENGTH) {
            throw new InvalidRequestException(
                    "suffix",
                    "invalid_value",
                    "Invalid 'suffix': at most " + MAX_SUFFIX_LENGTH + " characters, got " + suffix.length() + ".");
        }
        return suffix;
    }

    private static void checkMetadata(Map<String, String> metadata) {
        if (metadata == null) {
            return;
        }
        if (metadata.size() > MAX_METADATA_PAIRS) {
            throw new InvalidRequestException(
                    "metadata", "invalid_value", "Invalid 'metadata': at most " + MAX_METADATA_PAIRS + " pairs.");
        }
        metadata.forEach((key, value) -> {
            if (key.length() > MAX_METADATA_KEY_LENGTH) {
                throw new InvalidRequestException(
                        "metadata",
                        "invalid_value",
                        "Invalid 'metadata': keys are at most " + MAX_METADATA_KEY_LENGTH + " characters.");
            }
            if (value == null || value.length() > MAX_METADATA_VALUE_LENGTH) {
                throw new InvalidRequestException(
                        "metadata." + key,
                        "invalid_value",
                        "Invalid 'metadata." + key + "': values are strings of at most " + MAX_METADATA_VALUE_LENGTH
                                + " characters.");
            }
        });
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}

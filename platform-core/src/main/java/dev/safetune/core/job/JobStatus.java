package dev.safetune.core.job;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life cycle of a fine-tuning job. The table in {@link #TRANSITIONS} is the only place that decides which
 * status may follow which: the API and the worker both go through {@link #requireTransition(JobStatus)}, so an
 * illegal transition is a bug you can see in one spot.
 *
 * <p>A status is <em>leased</em> ({@link #isLeased()}) when a worker holds the job under a lease while in it: an
 * expired lease sends a job in any leased status back to the queue ({@link JobTransition#REQUEUE_EXPIRED}). Training
 * may elect {@code auditing} instead of {@code succeeded} (the post-training audit gate, which also runs under a
 * lease), and {@code blocked} is reached only from it; an operator may override a block ({@code blocked ->
 * succeeded}, {@link JobTransition#OVERRIDE_RELEASE}).
 */
public enum JobStatus {
    VALIDATING_FILES("validating_files"),
    QUEUED("queued"),
    RUNNING("running"),
    PAUSED("paused"),
    AUDITING("auditing"),
    SUCCEEDED("succeeded"),
    BLOCKED("blocked"),
    FAILED("failed"),
    CANCELLED("cancelled");

    private static final Map<JobStatus, Set<JobStatus>> TRANSITIONS = Map.of(
            VALIDATING_FILES, EnumSet.of(QUEUED, FAILED, CANCELLED),
            // running -> queued: an expired lease hands the job back to the queue for another worker.
            QUEUED, EnumSet.of(RUNNING, PAUSED, CANCELLED, FAILED),
            RUNNING, EnumSet.of(QUEUED, PAUSED, AUDITING, SUCCEEDED, FAILED, CANCELLED),
            // resume puts a paused job back in the queue; the next claim continues from its newest checkpoint.
            PAUSED, EnumSet.of(QUEUED, CANCELLED),
            // auditing -> queued: an expired lease hands the audit back to the queue, like a training run.
            AUDITING, EnumSet.of(QUEUED, SUCCEEDED, BLOCKED, FAILED, CANCELLED),
            SUCCEEDED, EnumSet.noneOf(JobStatus.class),
            // blocked -> succeeded: only an operator's override of the gate, with a written reason (gate log).
            BLOCKED, EnumSet.of(SUCCEEDED),
            FAILED, EnumSet.noneOf(JobStatus.class),
            CANCELLED, EnumSet.noneOf(JobStatus.class));

    /** Statuses in which a worker holds the job under a lease (renewed by heartbeats, fenced by attempt). */
    private static final Set<JobStatus> LEASED = EnumSet.of(RUNNING, AUDITING);

    /**
     * Statuses in which the job's run is over. {@code blocked} is one although an operator's override may still move
     * it to {@code succeeded}: that changes who may use the model, not the run.
     */
    private static final Set<JobStatus> TERMINAL = EnumSet.of(SUCCEEDED, BLOCKED, FAILED, CANCELLED);

    private final String wireName;

    JobStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The name stored in the database and shown on the wire. */
    public String wireName() {
        return wireName;
    }

    public static JobStatus fromWire(String wireName) {
        return Arrays.stream(values())
                .filter(s -> s.wireName.equals(wireName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown job status: " + wireName));
    }

    public boolean canTransitionTo(JobStatus next) {
        return TRANSITIONS.get(this).contains(next);
    }

    /** Statuses from which {@code next} may be entered, for guarded SQL updates ({@code WHERE status IN ...}). */
    public static Set<JobStatus> sourcesOf(JobStatus next) {
        EnumSet<JobStatus> sources = EnumSet.noneOf(JobStatus.class);
        TRANSITIONS.forEach((from, targets) -> {
            if (targets.contains(next)) {
                sources.add(from);
            }
        });
        return sources;
    }

    public void requireTransition(JobStatus next) {
        if (!canTransitionTo(next)) {
            throw new IllegalJobTransitionException(this, next);
        }
    }

    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    /** Whether a worker holds a job in this status under a lease. */
    public boolean isLeased() {
        return LEASED.contains(this);
    }

    /** The statuses a worker holds under a lease: an expired lease in any of them re-queues the job. */
    public static Set<JobStatus> leased() {
        return EnumSet.copyOf(LEASED);
    }

    @Override
    public String toString() {
        return wireName;
    }
}

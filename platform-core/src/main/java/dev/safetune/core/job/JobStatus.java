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
 * <p>{@code auditing} and {@code blocked} are reserved for the post-training audit gate: until it lands no
 * transition leads into them.
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
            RUNNING, EnumSet.of(QUEUED, PAUSED, SUCCEEDED, FAILED, CANCELLED),
            // resume puts a paused job back in the queue; the next claim continues from its newest checkpoint.
            PAUSED, EnumSet.of(QUEUED, CANCELLED),
            AUDITING, EnumSet.noneOf(JobStatus.class),
            SUCCEEDED, EnumSet.noneOf(JobStatus.class),
            BLOCKED, EnumSet.noneOf(JobStatus.class),
            FAILED, EnumSet.noneOf(JobStatus.class),
            CANCELLED, EnumSet.noneOf(JobStatus.class));

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
        return TRANSITIONS.get(this).isEmpty() && this != PAUSED && this != AUDITING;
    }

    @Override
    public String toString() {
        return wireName;
    }
}

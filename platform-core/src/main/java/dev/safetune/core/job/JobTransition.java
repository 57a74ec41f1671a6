package dev.safetune.core.job;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every way a job's status changes, by name, each with the statuses it may start from and the status it enters. This
 * is the one function every status change goes through: the API's guarded updates take {@link #from()}, the worker's
 * SQL takes {@link #sqlGuard()} ({@code status IN (...)}), and both sets are checked against {@link JobStatus}'s
 * transition table when this class loads, so the table and the SQL cannot disagree.
 *
 * <p>A from-set is either the table's own sources of the target ({@link JobStatus#sourcesOf}) or a subset of them
 * narrowed for one actor (a customer may resume only a paused job, although an expired lease also enters
 * {@code queued}).
 */
public enum JobTransition {
    /** The API, once the training file is validated. */
    ENQUEUE(EnumSet.of(JobStatus.VALIDATING_FILES), JobStatus.QUEUED),
    /** A worker takes the job under a new lease (and a new attempt number). */
    CLAIM(EnumSet.of(JobStatus.QUEUED), JobStatus.RUNNING),
    /** A lease ran out in any leased status: the worker is presumed dead and the job goes back to the queue. */
    REQUEUE_EXPIRED(JobStatus.leased(), JobStatus.QUEUED),
    /** A lease ran out once too often: the job keeps losing its worker and is failed. */
    GIVE_UP(JobStatus.leased(), JobStatus.FAILED),
    /** A worker shutting down cleanly hands its job back at once. */
    RELEASE(JobStatus.leased(), JobStatus.QUEUED),
    /** Training finished and the model is released without an audit, or the audit gate released it. */
    SUCCEED(EnumSet.of(JobStatus.RUNNING, JobStatus.AUDITING), JobStatus.SUCCEEDED),
    /** Training finished and the audit gate decides the release (elected instead of {@link #SUCCEED}). */
    ELECT_AUDIT(EnumSet.of(JobStatus.RUNNING), JobStatus.AUDITING),
    /** The audit gate decided to block the model (it is never published). */
    BLOCK(EnumSet.of(JobStatus.AUDITING), JobStatus.BLOCKED),
    /** An operator overrides a block with a written reason: the model is published after all. */
    OVERRIDE_RELEASE(EnumSet.of(JobStatus.BLOCKED), JobStatus.SUCCEEDED),
    /** The worker's run failed with a customer-facing error. */
    FAIL(JobStatus.leased(), JobStatus.FAILED),
    /** The customer cancels: from every status the table allows. */
    CANCEL(JobStatus.sourcesOf(JobStatus.CANCELLED), JobStatus.CANCELLED),
    /** The customer pauses a queued or running job. */
    PAUSE(JobStatus.sourcesOf(JobStatus.PAUSED), JobStatus.PAUSED),
    /** The customer resumes a paused job: it re-enters the queue and the next claim continues from a checkpoint. */
    RESUME(EnumSet.of(JobStatus.PAUSED), JobStatus.QUEUED);

    private final Set<JobStatus> from;
    private final JobStatus to;

    JobTransition(Set<JobStatus> from, JobStatus to) {
        for (JobStatus source : from) {
            // Fails class loading, hence every test touching a job: a transition the table forbids is a bug.
            source.requireTransition(to);
        }
        this.from = Collections.unmodifiableSet(EnumSet.copyOf(from));
        this.to = to;
    }

    /** The statuses this change may start from. */
    public Set<JobStatus> from() {
        return from;
    }

    /** The status this change enters. */
    public JobStatus to() {
        return to;
    }

    public boolean allowedFrom(JobStatus current) {
        return from.contains(current);
    }

    /**
     * The SQL guard of this change on the {@code status} column: {@code status IN ('a', 'b')}. The names are the
     * enum's own wire names, never input, so they are written as literals.
     */
    public String sqlGuard() {
        return sqlIn("status", from);
    }

    /** {@code column IN ('a', 'b')} over the wire names of {@code statuses}. */
    public static String sqlIn(String column, Set<JobStatus> statuses) {
        if (statuses.isEmpty()) {
            throw new IllegalArgumentException("an empty status set guards nothing");
        }
        return statuses.stream()
                .map(s -> "'" + s.wireName() + "'")
                .sorted()
                .collect(Collectors.joining(", ", column + " IN (", ")"));
    }
}

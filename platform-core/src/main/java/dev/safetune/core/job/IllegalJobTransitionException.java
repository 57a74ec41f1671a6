package dev.safetune.core.job;

/** A job was asked to move between two statuses that {@link JobStatus}'s table does not connect. */
public class IllegalJobTransitionException extends IllegalStateException {
    private final JobStatus from;
    private final JobStatus to;

    public IllegalJobTransitionException(JobStatus from, JobStatus to) {
        super("a job cannot go from " + from + " to " + to);
        this.from = from;
        this.to = to;
    }

    public JobStatus from() {
        return from;
    }

    public JobStatus to() {
        return to;
    }
}

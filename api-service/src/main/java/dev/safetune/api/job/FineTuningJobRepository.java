package dev.safetune.api.job;

import dev.safetune.core.job.JobStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Every finder is scoped by organisation: there is no way to load a job without naming its tenant. */
interface FineTuningJobRepository extends Repository<FineTuningJob, String> {
    FineTuningJob saveAndFlush(FineTuningJob job);

    Optional<FineTuningJob> findByIdAndOrganizationId(String id, String organizationId);

    /**
     * Ends a job only if it is still in one of {@code from}: a guarded update, so when a worker changes the status
     * concurrently exactly one of the two writes wins and the other sees 0 rows. Bumps {@code version} for
     * optimistic readers.
     */
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            update FineTuningJob j
            set j.status = :to, j.finishedAt = :finishedAt, j.version = j.version + 1
            where j.id = :id and j.organizationId = :organizationId and j.status in :from""")
    int finishByIdAndOrganizationId(
            String id, String organizationId, Collection<JobStatus> from, JobStatus to, Instant finishedAt);

    /**
     * Pauses or resumes a job if it is still in one of {@code from} (guarded like {@link #finishByIdAndOrganizationId}).
     * A job entering the queue gets a new {@code queued_at} (pass null to keep it), so it waits behind the jobs
     * already queued.
     */
    @Modifying(clearAutomatically = true, flushAutomatically = true)
    @Query("""
            update FineTuningJob j
            set j.status = :to, j.version = j.version + 1,
                j.queuedAt = coalesce(:queuedAt, j.queuedAt)
            where j.id = :id and j.organizationId = :organizationId and j.status in :from""")
    int moveByIdAndOrganizationId(
            String id, String organizationId, Collection<JobStatus> from, JobStatus to, Instant queuedAt);
}

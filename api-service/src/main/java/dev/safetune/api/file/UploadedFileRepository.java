package dev.safetune.api.file;

import jakarta.persistence.LockModeType;
import java.util.Collection;
import java.util.Optional;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** Every finder is scoped by organisation: there is no way to load a file without naming its tenant. */
interface UploadedFileRepository extends Repository<UploadedFile, String> {
    UploadedFile save(UploadedFile file);

    UploadedFile saveAndFlush(UploadedFile file);

    void delete(UploadedFile file);

    Optional<UploadedFile> findByIdAndOrganizationId(String id, String organizationId);

    /** {@code FOR UPDATE}: a delete waits for, and then sees, any job being created with this file. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    Optional<UploadedFile> findForDeleteByIdAndOrganizationId(String id, String organizationId);

    /** {@code FOR SHARE}: jobs being created may share the file, but it cannot be deleted under them. */
    @Lock(LockModeType.PESSIMISTIC_READ)
    Optional<UploadedFile> findForUseByIdAndOrganizationId(String id, String organizationId);

    @Query(value = """
                    SELECT id FROM fine_tuning_jobs
                    WHERE organization_id = :organizationId
                      AND (training_file = :fileId OR validation_file = :fileId)
                      AND status IN (:statuses)
                    ORDER BY created_at LIMIT 1""", nativeQuery = true)
    Optional<String> findJobUsingFileByOrganizationId(
            String fileId, String organizationId, Collection<String> statuses);
}

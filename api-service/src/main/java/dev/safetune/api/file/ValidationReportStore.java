package dev.safetune.api.file;

import dev.safetune.api.file.FileObject.Validation;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The validation report of each file ({@code files.validation_report}), stored as the API shows it. Kept apart from
 * {@link UploadedFile} so listing files never loads reports of up to {@value FileService#REPORT_ERROR_CAP} errors each.
 */
@Component
class ValidationReportStore {

    private final JdbcTemplate jdbc;

    ValidationReportStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void save(String fileId, String organizationId, Validation validation) {
        jdbc.update(
                "UPDATE files SET validation_report = ?::jsonb WHERE id = ? AND organization_id = ?",
                StoredJson.MAPPER.writeValueAsString(validation),
                fileId,
                organizationId);
    }

    /** Empty for files uploaded before reports were stored. */
    Optional<Validation> find(String fileId, String organizationId) {
        return jdbc
                .queryForList(
                        "SELECT validation_report::text FROM files WHERE id = ? AND organization_id = ?"
                                + " AND validation_report IS NOT NULL",
                        String.class,
                        fileId,
                        organizationId)
                .stream()
                .findFirst()
                .map(json -> StoredJson.MAPPER.readValue(json, Validation.class));
    }
}

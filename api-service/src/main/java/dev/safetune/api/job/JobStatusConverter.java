package dev.safetune.api.job;

import dev.safetune.core.job.JobStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores a {@link JobStatus} by its wire name, the same text the worker's SQL uses. */
@Converter
class JobStatusConverter implements AttributeConverter<JobStatus, String> {
    @Override
    public String convertToDatabaseColumn(JobStatus status) {
        return status == null ? null : status.wireName();
    }

    @Override
    public JobStatus convertToEntityAttribute(String wireName) {
        return wireName == null ? null : JobStatus.fromWire(wireName);
    }
}

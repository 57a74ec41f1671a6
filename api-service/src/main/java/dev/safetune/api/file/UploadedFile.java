package dev.safetune.api.file;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.file.Path;
import java.time.Instant;

/** A file a tenant uploaded, validated as training data at upload; its bytes live at {@link #storagePath()}. */
@Entity
@Table(name = "files")
public class UploadedFile {
    public static final String PROCESSED = "processed";
    public static final String ERROR = "error";

    @Id
    private String id;

    private String organizationId;
    private String filename;
    private String purpose;
    private long bytes;
    private String sha256;
    private String storagePath;
    private String status;
    private String statusDetails;
    private Integer exampleCount;
    private Instant createdAt;

    protected UploadedFile() {}

    UploadedFile(
            String id,
            String organizationId,
            String filename,
            String purpose,
            long bytes,
            String sha256,
            Path storagePath,
            String status,
            String statusDetails,
            Integer exampleCount,
            Instant createdAt) {
        this.id = id;
        this.organizationId = organizationId;
        this.filename = filename;
        this.purpose = purpose;
        this.bytes = bytes;
        this.sha256 = sha256;
        this.storagePath = storagePath.toString();
        this.status = status;
        this.statusDetails = statusDetails;
        this.exampleCount = exampleCount;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public String filename() {
        return filename;
    }

    public String purpose() {
        return purpose;
    }

    public long bytes() {
        return bytes;
    }

    public String sha256() {
        return sha256;
    }

    public Path storagePath() {
        return Path.of(storagePath);
    }

    public String status() {
        return status;
    }

    public boolean processed() {
        return PROCESSED.equals(status);
    }

    public String statusDetails() {
        return statusDetails;
    }

    public Integer exampleCount() {
        return exampleCount;
    }

    public Instant createdAt() {
        return createdAt;
    }
}

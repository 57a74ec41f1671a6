package dev.safetune.api.model;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A model customers can use: a platform base model ({@code kind = base}, no organisation) or a tenant's released
 * fine-tuned model. Base models are written by {@link BaseModelCatalog}, fine-tuned ones by the worker.
 */
@Entity
@Table(name = "models")
public class Model {
    static final String BASE = "base";
    static final String PLATFORM_OWNER = "safetune";

    @Id
    private String id;

    private String organizationId;
    private String kind;
    private String baseModel;
    private String jobId;
    private String storagePath;
    private Instant createdAt;

    protected Model() {}

    public String id() {
        return id;
    }

    public boolean isBase() {
        return BASE.equals(kind);
    }

    /** OpenAI's {@code owned_by}: the platform for base models, the organisation for its fine-tuned ones. */
    public String ownedBy() {
        return isBase() ? PLATFORM_OWNER : organizationId;
    }

    public String storagePath() {
        return storagePath;
    }

    public Instant createdAt() {
        return createdAt;
    }
}

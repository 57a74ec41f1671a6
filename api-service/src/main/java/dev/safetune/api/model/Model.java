package dev.safetune.api.model;

import dev.safetune.core.model.ModelShape;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model customers can use: a platform base model ({@code kind = base}, no organisation) or a tenant's released
 * fine-tuned model. Base models are written by {@link BaseModelCatalog} (and the importer), fine-tuned ones by the
 * worker. A base model's facts (family, architecture, parameters, context length, shape) come from its
 * {@code config.json}; they are null on fine-tuned rows and on base rows whose config could not be read.
 */
@Entity
@Table(name = "models")
public class Model {
    static final String BASE = "base";
    static final String PLATFORM_OWNER = "safetune";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Id
    private String id;

    private String organizationId;
    private String kind;
    private String baseModel;
    private String jobId;
    private String storagePath;
    private Instant createdAt;
    private String family;
    private String architecture;
    private Long parameters;
    private Integer contextLength;
    private String licence;

    @JdbcTypeCode(SqlTypes.JSON)
    private String shape;

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

    /** The base a fine-tuned model was trained from (null for a base model). */
    public String baseModel() {
        return baseModel;
    }

    public String storagePath() {
        return storagePath;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public String family() {
        return family;
    }

    public String architecture() {
        return architecture;
    }

    public Long parameters() {
        return parameters;
    }

    public Integer contextLength() {
        return contextLength;
    }

    public String licence() {
        return licence;
    }

    /** The sizes the memory estimate needs; empty for fine-tuned models and base models registered without them. */
    public Optional<ModelShape> shape() {
        return Optional.ofNullable(shape).map(json -> ModelShape.fromJson(JSON.readTree(json)));
    }
}

package dev.safetune.worker.registry;

import java.util.Objects;
import java.util.Optional;

/**
 * One import: where from, under which id, and whether it may replace a model of that id with other content.
 *
 * @param modelId the id to register; empty means {@link ImportSource#defaultModelId()}
 * @param replace let a model whose id is taken by other content be replaced. Off by default because jobs and
 *     fine-tuned models name their base by id: silently swapping the bytes behind an id would change what "the same
 *     base" means. Existing fine-tunes keep working either way (their adapters point at the old, immutable content).
 */
public record ImportRequest(ImportSource source, Optional<String> modelId, boolean replace) {

    public ImportRequest {
        Objects.requireNonNull(source, "source");
        modelId = Objects.requireNonNull(modelId, "modelId").map(BaseModelId::validate);
    }

    /** An import under the source's default id, refusing to replace other content. */
    public static ImportRequest of(String source) {
        return new ImportRequest(ImportSource.parse(source), Optional.empty(), false);
    }

    /** This request under another id. */
    public ImportRequest as(String id) {
        return new ImportRequest(source, Optional.of(id), replace);
    }

    /** This request, allowed to replace other content under the same id. */
    public ImportRequest replacing() {
        return new ImportRequest(source, modelId, true);
    }

    /** The id the model is registered under. */
    public String effectiveModelId() {
        return modelId.orElseGet(source::defaultModelId);
    }
}

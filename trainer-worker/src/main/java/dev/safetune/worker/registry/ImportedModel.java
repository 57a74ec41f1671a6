package dev.safetune.worker.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A registered base model, as an import leaves it.
 *
 * @param id the id jobs name it by
 * @param storagePath the model directory in the content-addressed store ({@code models.storage_path})
 * @param contentDigest SHA-256 over the sorted {@code "path\tsha256\n"} lines of {@link #files} (see
 *     {@link ContentDigest})
 * @param files every file of the model directory, verified
 * @param family the model family, e.g. {@code qwen2}
 * @param architecture the transformers class, e.g. {@code Qwen2ForCausalLM}
 * @param parameters the parameter count the config implies
 * @param contextLength {@code max_position_embeddings}
 * @param licence the model card's licence field, when it has one
 * @param commit the Hub commit it came from; empty for a directory import
 * @param outcome whether this import registered something new, found the same content already registered, or
 *     replaced other content
 */
public record ImportedModel(
        String id,
        Path storagePath,
        String contentDigest,
        List<ModelFile> files,
        String family,
        String architecture,
        long parameters,
        int contextLength,
        Optional<String> licence,
        Optional<String> commit,
        Outcome outcome) {

    public ImportedModel {
        files = List.copyOf(files);
    }

    public enum Outcome {
        /** The id was free; the model is registered now. */
        REGISTERED,
        /** The id already named exactly this content; nothing changed. */
        UNCHANGED,
        /** The id named other content and the request asked to replace it. */
        REPLACED
    }

    /** Total bytes of the model's files. */
    public long totalBytes() {
        return files.stream().mapToLong(ModelFile::size).sum();
    }
}

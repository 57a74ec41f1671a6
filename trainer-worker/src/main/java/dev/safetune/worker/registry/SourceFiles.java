package dev.safetune.worker.registry;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The files an import source offers, and how to bring them into the store: downloaded from the Hub
 * ({@link HubFiles}) or copied from a local directory ({@link DirectoryFiles}). Everything after fetching (validation,
 * the snapshot, registration) is the same for both.
 */
interface SourceFiles extends AutoCloseable {

    /** The source with its resolved commit or path, for messages and provenance. */
    String describe();

    /** Top-level file names offered. */
    Set<String> names();

    /** A file's size as the source states it. */
    long size(String name);

    /** A file's SHA-256 when the source publishes it before fetching (Hub LFS files). */
    Optional<String> publishedSha256(String name);

    /**
     * Brings {@code names} into the store, each verified, and links them into {@code staging}.
     *
     * @param bytes receives byte-count deltas as files arrive
     * @return the files, in the order asked for
     */
    List<ModelFile> fetch(List<String> names, ModelStore.Staging staging, LongConsumer bytes)
            throws IOException, InterruptedException;

    /** The provenance of a model made of {@code files}. */
    ModelRegistry.Provenance provenance(List<ModelFile> files);

    @Override
    void close();
}

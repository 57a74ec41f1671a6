package dev.safetune.worker.registry;

/**
 * What an import reports while it runs: a progress bar in the CLI, the {@code model_imports} row for an import a
 * worker runs. Called from the importer's threads (byte counts from download threads, so implementations must be
 * thread-safe); must not block.
 */
public interface ImportProgress {

    /** Reports nothing. */
    ImportProgress NONE = new ImportProgress() {};

    /** A stage starts; {@code detail} says what it is working on, e.g. the commit being fetched. */
    default void stage(ImportStage stage, String detail) {}

    /**
     * Bytes fetched so far across all files, resumed bytes included, out of the total the listing announced.
     * Monotonic within an import except when a server ignores a resume request and a file starts over.
     */
    default void bytes(long done, long total) {}
}

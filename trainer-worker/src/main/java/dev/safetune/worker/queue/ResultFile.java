package dev.safetune.worker.queue;

/** A file a job produced for its owner, already written durably at {@code storagePath}. */
public record ResultFile(String id, String filename, long bytes, String sha256, String storagePath) {
    public static final String PURPOSE = "fine-tune-results";
}

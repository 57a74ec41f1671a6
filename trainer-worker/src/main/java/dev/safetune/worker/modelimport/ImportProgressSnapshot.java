package dev.safetune.worker.modelimport;

/**
 * What a running import last reported, as written to its row.
 *
 * @param bytesTotal -1 until the source has been listed
 */
public record ImportProgressSnapshot(long bytesDone, long bytesTotal, String message) {}

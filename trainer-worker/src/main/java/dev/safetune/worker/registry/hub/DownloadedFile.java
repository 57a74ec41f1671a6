package dev.safetune.worker.registry.hub;

import java.nio.file.Path;

/**
 * A file downloaded and verified: its bytes at {@code path} have the size and hash the Hub publishes.
 *
 * @param sha256 the SHA-256 of the content (lowercase hex), computed while downloading; for an LFS file it equals
 *     the published {@code lfs.sha256}
 */
public record DownloadedFile(HubFile file, Path path, String sha256) {}

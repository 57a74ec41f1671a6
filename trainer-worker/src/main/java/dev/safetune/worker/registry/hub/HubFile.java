package dev.safetune.worker.registry.hub;

import java.util.Objects;
import java.util.Optional;

/**
 * A file of a repository at a commit, as {@code GET /api/models/{repo}/revision/{rev}?blobs=true} lists it in
 * {@code siblings}: its name ({@code rfilename}), size, git blob id ({@code blobId}, the SHA-1 of
 * {@code "blob <size>\0" + content}) and, for files stored with Git LFS, the SHA-256 of the content
 * ({@code lfs.sha256}). What a download is verified against.
 */
public record HubFile(String name, long size, String blobId, Optional<String> lfsSha256) {

    public HubFile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(blobId, "blobId");
        Objects.requireNonNull(lfsSha256, "lfsSha256");
    }

    public boolean isLfs() {
        return lfsSha256.isPresent();
    }

    /**
     * The name of this file's bytes in a download directory: by the hash the Hub publishes, so a partial download
     * resumed later (another run, another revision with the same file) is always a prefix of the same content.
     */
    String contentKey() {
        return lfsSha256.map(sha -> "sha256-" + sha).orElse("gitsha1-" + blobId);
    }
}

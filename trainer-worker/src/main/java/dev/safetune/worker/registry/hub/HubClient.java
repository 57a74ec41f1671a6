package dev.safetune.worker.registry.hub;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A client for the parts of the Hugging Face Hub API an import needs, speaking the wire format
 * {@code huggingface_hub} speaks ({@code hf_api.model_info}, {@code file_download.hf_hub_download}):
 *
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true} resolves a revision to its commit
 *       ({@code sha}) and lists the files ({@code siblings[].rfilename, size, blobId, lfs.sha256}) with the model
 *       card's {@code cardData.license};
 *   <li>{@code GET {endpoint}/{repo}/resolve/{commit}/{file}} downloads a file. LFS files answer 302 to a CDN
 *       (possibly another host) with {@code X-Linked-Etag} (the SHA-256) and {@code X-Linked-Size}; small files answer
 *       200 with {@code ETag} = the git blob SHA-1;
 *   <li>errors carry {@code X-Error-Code}: {@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound},
 *       {@code GatedRepo}; a 401 without a code is how the Hub hides a private repository.
 * </ul>
 *
 * <p>Downloads resume: bytes go to {@code <key>.incomplete} in a download directory, keyed by the content hash the
 * Hub publishes, and a retry (or a later run) asks for the rest with {@code Range: bytes=N-}. Every file is checked
 * against the published size and SHA-256 (LFS) or size and git blob SHA-1 (plain git files); a file that does not
 * match is deleted and never returned. Redirects are followed here rather than by {@link HttpClient}, so that the
 * token goes only to the endpoint's own origin, never to a CDN.
 *
 * <p>The parts: {@link HubHttp} (URLs, token scoping, redirects, retries), {@link HubFailures} (what an error answer
 * means), {@link RevisionListing} (the revision's files and hashes), {@link ParallelDownloads} (files a few at a
 * time), {@link FileDownload} (one file: locked, resumed, checked), {@link StallWatchdog} (a body that stops
 * arriving) and {@link HashedTransfer} (the partial file and its running hashes).
 */
public final class HubClient implements AutoCloseable {
    private final HubHttp http;
    private final StallWatchdog watchdog = new StallWatchdog();
    private final ParallelDownloads downloads;

    public HubClient(HubSettings settings) {
        this.http = new HubHttp(settings);
        this.downloads = new ParallelDownloads(new FileDownload(http, watchdog), settings.parallelDownloads());
    }

    public HubSettings settings() {
        return http.settings();
    }

    /**
     * Resolves {@code revision} of model repository {@code repoId} to a commit and lists its files.
     *
     * @throws HubException {@code REPO_NOT_FOUND}, {@code REVISION_NOT_FOUND}, {@code GATED}, {@code ACCESS_DENIED}, or
     *     {@code BAD_RESPONSE} when the answer is unusable or the Hub kept failing
     */
    public HubRevision resolve(String repoId, String revision) throws InterruptedException {
        URI uri = http.revisionUri(repoId, revision);
        HttpResponse<byte[]> response = http.getWithRetries(uri);
        if (response.statusCode() != 200) {
            throw http.failure(response.statusCode(), response.headers(), repoId, revision, null);
        }
        return RevisionListing.parse(repoId, revision, response.body());
    }

    /**
     * Downloads {@code files} of {@code revision} into {@code downloadDir}, {@link HubSettings#parallelDownloads} at
     * a time (largest first, so the long transfers overlap), each verified. Already complete files in the directory
     * are verified and reused; partial ones are resumed.
     *
     * @param progress receives byte-count deltas from the download threads (negative when a server ignores a
     *     resume request and a file starts over)
     * @return one verified file per requested file, in the order requested
     * @throws HubException on the first file that fails for good; the other downloads are stopped
     */
    public List<DownloadedFile> download(
            HubRevision revision, List<HubFile> files, Path downloadDir, LongConsumer progress)
            throws InterruptedException {
        return downloads.download(revision, files, downloadDir, progress);
    }

    @Override
    public void close() {
        watchdog.close();
        http.close();
    }
}

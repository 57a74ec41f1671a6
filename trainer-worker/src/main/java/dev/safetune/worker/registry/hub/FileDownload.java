package dev.safetune.worker.registry.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file's download: {@code Range} requests that resume a locked {@code .incomplete} file (so two imports never
 * write one file), a {@link StallWatchdog} on every body, the Hub's headers checked against the listing, and the
 * bytes verified ({@link HashedTransfer}) before the file is renamed into place. Bytes that fail verification are
 * deleted, never resumed from.
 */
final class FileDownload {
    private static final Logger log = LoggerFactory.getLogger(FileDownload.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final HubHttp http;
    private final HubSettings settings;
    private final StallWatchdog watchdog;

    FileDownload(HubHttp http, StallWatchdog watchdog) {
        this.http = http;
        this.settings = http.settings();
        this.watchdog = watchdog;
    }

    /**
     * Downloads {@code file} into {@code dir} as {@code <content key>}, resuming {@code <content key>.incomplete} and
     * retrying transient failures; returns it only once its size and hash match the listing.
     */
    DownloadedFile download(HubRevision revision, HubFile file, Path dir, LongConsumer progress)
            throws InterruptedException {
        Path done = dir.resolve(file.contentKey());
        Path partial = dir.resolve(file.contentKey() + ".incomplete");
        try {
            if (Files.isRegularFile(done)) {
                // Verified once, then the run stopped before the file was taken into the store: check it again.
                Optional<String> sha256 = HashedTransfer.verifiedSha256(file, done);
                if (sha256.isPresent()) {
                    progress.accept(file.size());
                    return new DownloadedFile(file, done, sha256.get());
                }
                Files.delete(done);
            }
            String sha256;
            boolean corrupt = false;
            try (FileChannel channel = FileChannel.open(
                            partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileLock lock = lock(channel, file)) {
                HashedTransfer transfer = new HashedTransfer(file, channel, progress);
                transfer.resumeFromExisting();
                for (int attempt = 1; !transfer.complete(); attempt++) {
                    try {
                        fetch(revision, file, transfer);
                    } catch (HubHttp.Retry retry) {
                        http.retryOrGiveUp(
                                attempt,
                                file.name(),
                                "download of " + file.name() + " stopped at byte " + transfer.position() + " of "
                                        + file.size() + ": " + retry.getMessage(),
                                retry.getCause());
                    }
                }
                sha256 = transfer.sha256Hex();
                Optional<String> mismatch = transfer.hashMismatch();
                if (mismatch.isPresent()) {
                    throw new HubException(HubException.Problem.HASH_MISMATCH, file.name(), mismatch.get());
                }
                channel.force(true);
            } catch (HubException e) {
                // Bytes that are not the published content must not be resumed from, nor ever used.
                corrupt = e.problem() == HubException.Problem.HASH_MISMATCH
                        || e.problem() == HubException.Problem.SIZE_MISMATCH;
                throw e;
            } finally {
                if (corrupt) {
                    Files.deleteIfExists(partial);
                }
            }
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new DownloadedFile(file, done, sha256);
        } catch (IOException e) {
            throw new HubException(
                    HubException.Problem.LOCAL_IO,
                    file.name(),
                    "cannot write " + file.name() + " to " + dir + ": " + e.getMessage(),
                    e);
        }
    }

    private static FileLock lock(FileChannel channel, HubFile file) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new HubException(
                    HubException.Problem.LOCAL_IO,
                    file.name(),
                    file.name() + " is being downloaded by another import right now; retry when it has finished");
        }
        return lock;
    }

    /**
     * One request for the rest of {@code file}; appends what arrives. Throws {@link HubHttp.Retry} for transient
     * failures.
     */
    private void fetch(HubRevision revision, HubFile file, HashedTransfer transfer)
            throws InterruptedException, HubHttp.Retry, IOException {
        long offset = transfer.position();
        HubHttp.Fetched fetched = http.send(http.fileUri(revision, file), offset, file);
        HttpResponse<InputStream> response = fetched.response();
        StallWatchdog.Watch stall = watchdog.watchCurrentThread(settings.responseTimeout());
        try (InputStream body = response.body()) {
            checkPublishedIdentity(file, fetched.hubHeaders(), fetched.redirected());
            int status = response.statusCode();
            if (status == 416) {
                // Nothing after the bytes we hold: the partial file is longer than the file, so start over.
                transfer.restart();
                throw new HubHttp.Retry("the server has no bytes after " + offset, null);
            }
            if (HubHttp.isTransient(status)) {
                throw new HubHttp.Retry("HTTP " + status, null);
            }
            if (fetched.redirected() && (status == 401 || status == 403)) {
                // A CDN URL is signed and short-lived; the next attempt asks the Hub for a fresh one.
                throw new HubHttp.Retry(
                        "the storage behind the Hub refused the download URL (HTTP " + status + ")", null);
            }
            if (status != 200 && status != 206) {
                throw http.failure(status, response.headers(), revision.repoId(), revision.revision(), file.name());
            }
            if (status == 200 && offset > 0) {
                log.info("{}: the server ignored the resume request; downloading it again from the start", file.name());
                transfer.restart();
            } else if (status == 206) {
                Matcher range = CONTENT_RANGE.matcher(
                        response.headers().firstValue("Content-Range").orElse(""));
                if (!range.matches() || Long.parseLong(range.group(1)) != offset) {
                    transfer.restart();
                    throw new HubHttp.Retry("the server sent a range other than bytes " + offset + "-", null);
                }
            }
            byte[] buffer = new byte[HashedTransfer.BUFFER_BYTES];
            int read;
            while ((read = body.read(buffer)) > 0) {
                stall.progressed();
                transfer.append(buffer, read);
            }
        } catch (HashedTransfer.LocalWriteException e) {
            throw e.local();
        } catch (IOException e) {
            if (stall.finish()) {
                throw new HubHttp.Retry(
                        "no data for " + settings.responseTimeout().toSeconds() + " s", e);
            }
            if (e instanceof InterruptedIOException interrupted) {
                throw HubHttp.interrupted(interrupted);
            }
            throw new HubHttp.Retry(e.toString(), e);
        } finally {
            stall.close();
        }
        if (!transfer.complete()) {
            throw new HubHttp.Retry("the connection ended early", null);
        }
    }

    /**
     * The Hub's own headers name the content it is about to send; they must agree with the listing the file is
     * verified against (a disagreement means the listing and the download are about different bytes).
     */
    private static void checkPublishedIdentity(HubFile file, HttpHeaders hub, boolean redirected) {
        Optional<String> linkedEtag = hub.firstValue("X-Linked-Etag").map(FileDownload::normalizeEtag);
        Optional<String> linkedSize = hub.firstValue("X-Linked-Size");
        if (file.isLfs()) {
            if (linkedEtag.isPresent()
                    && !linkedEtag.get().equals(file.lfsSha256().orElseThrow())) {
                throw new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file.name(),
                        file.name() + ": the Hub's X-Linked-Etag " + linkedEtag.get()
                                + " differs from the SHA-256 in its listing "
                                + file.lfsSha256().orElseThrow());
            }
            if (linkedSize.isPresent() && !linkedSize.get().equals(Long.toString(file.size()))) {
                throw new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file.name(),
                        file.name() + ": the Hub's X-Linked-Size " + linkedSize.get()
                                + " differs from the size in its listing " + file.size());
            }
        } else if (!redirected) {
            Optional<String> etag = hub.firstValue("ETag").map(FileDownload::normalizeEtag);
            if (etag.isPresent() && !etag.get().equals(file.blobId())) {
                throw new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file.name(),
                        file.name() + ": the Hub's ETag " + etag.get() + " differs from the git blob id in its listing "
                                + file.blobId());
            }
        }
    }

    /** {@code W/"abc"} or {@code "abc"} → {@code abc}, as huggingface_hub's _normalize_etag. */
    static String normalizeEtag(String etag) {
        String value = etag.strip();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        return value.replace("\"", "");
    }
}

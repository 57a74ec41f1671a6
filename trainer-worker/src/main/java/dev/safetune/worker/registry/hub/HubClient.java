package dev.safetune.worker.registry.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
 */
public final class HubClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String USER_AGENT = "safetune-model-importer/1 (java.net.http)";
    private static final int MAX_REDIRECTS = 10;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER_BYTES = 1 << 20;

    private final HubSettings settings;
    private final HttpClient http;
    /** Interrupts a download whose body has stopped arriving (HttpClient has no read timeout for a body). */
    private final ScheduledExecutorService watchdog;

    public HubClient(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                // One connection per parallel download: HTTP/2 would multiplex them over one TCP connection, which
                // is slower for large files from a CDN.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout())
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hub-download-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    public HubSettings settings() {
        return settings;
    }

    /**
     * Resolves {@code revision} of model repository {@code repoId} to a commit and lists its files.
     *
     * @throws HubException {@code REPO_NOT_FOUND}, {@code REVISION_NOT_FOUND}, {@code GATED}, {@code ACCESS_DENIED}, or
     *     {@code BAD_RESPONSE} when the answer is unusable or the Hub kept failing
     */
    public HubRevision resolve(String repoId, String revision) throws InterruptedException {
        URI uri = URI.create(
                settings.endpoint() + "/api/models/" + repoId + "/revision/" + encodeSegment(revision) + "?blobs=true");
        HttpResponse<byte[]> response = null;
        for (int attempt = 1; ; attempt++) {
            try {
                response = http.send(hubRequest(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (!isTransient(response.statusCode())) {
                    break;
                }
                retryOrGiveUp(attempt, null, "HTTP " + response.statusCode() + " from " + uri, null);
            } catch (InterruptedIOException e) {
                throw interrupted(e);
            } catch (IOException e) {
                retryOrGiveUp(attempt, null, "cannot reach " + uri + ": " + e, e);
            }
        }
        if (response.statusCode() != 200) {
            throw failure(response.statusCode(), response.headers(), repoId, revision, null);
        }
        return parseRevision(repoId, revision, response.body());
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
        try {
            Files.createDirectories(downloadDir);
        } catch (IOException e) {
            throw new HubException(
                    HubException.Problem.LOCAL_IO, null, "cannot create download directory " + downloadDir, e);
        }
        for (HubFile file : files) {
            if (file.size() < 0 || file.blobId().isEmpty()) {
                throw new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file.name(),
                        "the Hub listing publishes no size or hash for " + file.name() + ", so it cannot be verified");
            }
        }
        int threads = Math.min(settings.parallelDownloads(), files.size());
        if (threads <= 1) {
            List<DownloadedFile> done = new ArrayList<>();
            for (HubFile file : files) {
                done.add(downloadOne(revision, file, downloadDir, progress));
            }
            return done;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "hub-download-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            ExecutorCompletionService<DownloadedFile> completion = new ExecutorCompletionService<>(pool);
            List<Future<DownloadedFile>> futures = new ArrayList<>();
            List<HubFile> largestFirst = files.stream()
                    .sorted(Comparator.comparingLong(HubFile::size).reversed())
                    .toList();
            for (HubFile file : largestFirst) {
                futures.add(completion.submit(() -> downloadOne(revision, file, downloadDir, progress)));
            }
            List<DownloadedFile> done = new ArrayList<>();
            for (int i = 0; i < largestFirst.size(); i++) {
                try {
                    done.add(completion.take().get());
                } catch (ExecutionException e) {
                    futures.forEach(f -> f.cancel(true));
                    throw rethrow(e.getCause());
                }
            }
            return files.stream()
                    .map(file -> done.stream()
                            .filter(d -> d.file().equals(file))
                            .findFirst()
                            .orElseThrow())
                    .toList();
        } finally {
            pool.shutdownNow();
            // The workers hold the .incomplete files open and locked; they must be closed before anyone retries.
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                log.warn("download threads did not stop within a minute");
            }
        }
    }

    private static RuntimeException rethrow(Throwable cause) throws InterruptedException {
        if (cause instanceof InterruptedException interrupted) {
            throw interrupted;
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof CancellationException cancelled) {
            return cancelled;
        }
        return new IllegalStateException(cause);
    }

    private DownloadedFile downloadOne(HubRevision revision, HubFile file, Path dir, LongConsumer progress)
            throws InterruptedException {
        Path done = dir.resolve(file.contentKey());
        Path partial = dir.resolve(file.contentKey() + ".incomplete");
        try {
            if (Files.isRegularFile(done)) {
                // Verified once, then the run stopped before the file was taken into the store: check it again.
                Optional<String> sha256 = verifiedSha256(file, done);
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
                Transfer transfer = new Transfer(file, channel, progress);
                transfer.resumeFromExisting();
                for (int attempt = 1; !transfer.complete(); attempt++) {
                    try {
                        fetch(revision, file, transfer);
                    } catch (Retry retry) {
                        retryOrGiveUp(
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

    /** One request for the rest of {@code file}; appends what arrives. Throws {@link Retry} for transient failures. */
    private void fetch(HubRevision revision, HubFile file, Transfer transfer)
            throws InterruptedException, Retry, IOException {
        URI uri = URI.create(settings.endpoint() + "/" + revision.repoId() + "/resolve/" + revision.commit() + "/"
                + encodeSegment(file.name()));
        long offset = transfer.position();
        Fetched fetched = send(uri, offset, file);
        HttpResponse<InputStream> response = fetched.response();
        Stall stall =
                new Stall(Thread.currentThread(), settings.responseTimeout().toNanos());
        long period = Math.max(10, settings.responseTimeout().toMillis() / 4);
        ScheduledFuture<?> watch = watchdog.scheduleAtFixedRate(stall::check, period, period, TimeUnit.MILLISECONDS);
        try (InputStream body = response.body()) {
            checkPublishedIdentity(file, fetched.hubHeaders(), fetched.redirected());
            int status = response.statusCode();
            if (status == 416) {
                // Nothing after the bytes we hold: the partial file is longer than the file, so start over.
                transfer.restart();
                throw new Retry("the server has no bytes after " + offset, null);
            }
            if (isTransient(status)) {
                throw new Retry("HTTP " + status, null);
            }
            if (fetched.redirected() && (status == 401 || status == 403)) {
                // A CDN URL is signed and short-lived; the next attempt asks the Hub for a fresh one.
                throw new Retry("the storage behind the Hub refused the download URL (HTTP " + status + ")", null);
            }
            if (status != 200 && status != 206) {
                throw failure(status, response.headers(), revision.repoId(), revision.revision(), file.name());
            }
            if (status == 200 && offset > 0) {
                log.info("{}: the server ignored the resume request; downloading it again from the start", file.name());
                transfer.restart();
            } else if (status == 206) {
                Matcher range = CONTENT_RANGE.matcher(
                        response.headers().firstValue("Content-Range").orElse(""));
                if (!range.matches() || Long.parseLong(range.group(1)) != offset) {
                    transfer.restart();
                    throw new Retry("the server sent a range other than bytes " + offset + "-", null);
                }
            }
            byte[] buffer = new byte[BUFFER_BYTES];
            int read;
            while ((read = body.read(buffer)) > 0) {
                stall.progressed();
                transfer.append(buffer, read);
            }
        } catch (LocalWriteException e) {
            throw e.local();
        } catch (IOException e) {
            if (stall.finish()) {
                throw new Retry("no data for " + settings.responseTimeout().toSeconds() + " s", e);
            }
            if (e instanceof InterruptedIOException interrupted) {
                throw interrupted(interrupted);
            }
            throw new Retry(e.toString(), e);
        } finally {
            watch.cancel(false);
            stall.finish();
        }
        if (!transfer.complete()) {
            throw new Retry("the connection ended early", null);
        }
    }

    /**
     * The Hub's own headers name the content it is about to send; they must agree with the listing the file is
     * verified against (a disagreement means the listing and the download are about different bytes).
     */
    private static void checkPublishedIdentity(HubFile file, HttpHeaders hub, boolean redirected) {
        Optional<String> linkedEtag = hub.firstValue("X-Linked-Etag").map(HubClient::normalizeEtag);
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
            Optional<String> etag = hub.firstValue("ETag").map(HubClient::normalizeEtag);
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

    private record Fetched(HttpResponse<InputStream> response, HttpHeaders hubHeaders, boolean redirected) {}

    /** Sends a GET, following redirects; the token goes only to the endpoint's origin. */
    private Fetched send(URI uri, long offset, HubFile file) throws InterruptedException, Retry {
        URI current = uri;
        HttpHeaders hubHeaders = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = sameOrigin(current, settings.endpoint())
                    ? hubRequest(current)
                    : HttpRequest.newBuilder(current)
                            .timeout(settings.responseTimeout())
                            .header("User-Agent", USER_AGENT);
            if (offset > 0) {
                request.header("Range", "bytes=" + offset + "-");
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedIOException e) {
                throw interrupted(e);
            } catch (IOException e) {
                throw new Retry("cannot reach " + current.getHost() + ": " + e, e);
            }
            if (hubHeaders == null) {
                hubHeaders = response.headers();
            }
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                Optional<String> location = response.headers().firstValue("Location");
                closeQuietly(response.body());
                if (location.isEmpty()) {
                    throw new HubException(
                            HubException.Problem.BAD_RESPONSE,
                            file.name(),
                            "HTTP " + status + " without a Location for " + file.name());
                }
                current = current.resolve(location.get());
                continue;
            }
            return new Fetched(response, hubHeaders, hop > 0);
        }
        throw new HubException(
                HubException.Problem.BAD_RESPONSE, file.name(), "more than " + MAX_REDIRECTS + " redirects for " + uri);
    }

    private HttpRequest.Builder hubRequest(URI uri) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri).timeout(settings.responseTimeout()).header("User-Agent", USER_AGENT);
        settings.token().ifPresent(token -> builder.header("Authorization", "Bearer " + token));
        return builder;
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static boolean isTransient(int status) {
        return status == 429 || status == 408 || status >= 500;
    }

    private void retryOrGiveUp(int attempt, String file, String what, Throwable cause) throws InterruptedException {
        if (attempt >= settings.maxAttempts()) {
            throw new HubException(
                    HubException.Problem.BAD_RESPONSE,
                    file,
                    what + " (gave up after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + ")",
                    cause);
        }
        long backoff =
                Math.min(MAX_BACKOFF.toMillis(), settings.retryBackoff().toMillis() << Math.min(attempt - 1, 20));
        log.info("{}; retrying in {} ms (attempt {} of {})", what, backoff, attempt + 1, settings.maxAttempts());
        Thread.sleep(backoff);
    }

    /** Maps a failed answer as huggingface_hub's hf_raise_for_status does. */
    private HubException failure(int status, HttpHeaders headers, String repoId, String revision, String file) {
        String errorCode = headers.firstValue("X-Error-Code").orElse("");
        String errorMessage = headers.firstValue("X-Error-Message").orElse("");
        String repo = "hf:" + repoId;
        boolean hasToken = settings.token().isPresent();
        return switch (errorCode) {
            case "RevisionNotFound" ->
                new HubException(
                        HubException.Problem.REVISION_NOT_FOUND,
                        null,
                        "revision \"" + revision + "\" not found in " + repo + " (HTTP " + status + ")");
            case "EntryNotFound" ->
                new HubException(
                        HubException.Problem.ENTRY_NOT_FOUND,
                        file,
                        file + " not found in " + repo + " at " + revision + " (HTTP " + status + ")");
            case "GatedRepo" ->
                new HubException(
                        HubException.Problem.GATED,
                        file,
                        hasToken
                                ? repo + " is gated and HF_TOKEN's account has no access to it yet: request access at "
                                        + settings.endpoint() + "/" + repoId + " (HTTP " + status + ")"
                                : repo + " is gated: set HF_TOKEN to a token of an account granted access at "
                                        + settings.endpoint() + "/" + repoId + " (HTTP " + status + ")");
            default -> {
                if (errorCode.equals("RepoNotFound")
                        || (status == 401 && !errorMessage.equals("Invalid credentials in Authorization header"))) {
                    yield new HubException(
                            HubException.Problem.REPO_NOT_FOUND,
                            null,
                            repo + " not found on " + settings.endpoint() + " (HTTP " + status + ")"
                                    + (hasToken
                                            ? "; if it is private, HF_TOKEN's account cannot see it"
                                            : "; if it is private or gated, set HF_TOKEN"));
                }
                if (status == 401 || status == 403) {
                    yield new HubException(
                            HubException.Problem.ACCESS_DENIED,
                            file,
                            "the Hub refused access to " + repo + (file == null ? "" : " file " + file) + " (HTTP "
                                    + status + (errorMessage.isEmpty() ? "" : ": " + errorMessage) + ")"
                                    + (hasToken ? "; check HF_TOKEN" : ""));
                }
                if (status == 404) {
                    yield file == null
                            ? new HubException(
                                    HubException.Problem.REPO_NOT_FOUND,
                                    null,
                                    repo + " not found on " + settings.endpoint() + " (HTTP 404)")
                            : new HubException(
                                    HubException.Problem.ENTRY_NOT_FOUND,
                                    file,
                                    file + " not found in " + repo + " (HTTP 404)");
                }
                yield new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file,
                        "the Hub answered HTTP " + status + " for " + repo + (file == null ? "" : " file " + file)
                                + (errorMessage.isEmpty() ? "" : ": " + errorMessage));
            }
        };
    }

    private static HubRevision parseRevision(String repoId, String revision, byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new HubException(
                    HubException.Problem.BAD_RESPONSE, null, "the Hub's answer for hf:" + repoId + " is not JSON", e);
        }
        String commit = json.path("sha").asString("");
        if (!COMMIT.matcher(commit).matches()) {
            throw new HubException(
                    HubException.Problem.BAD_RESPONSE,
                    null,
                    "the Hub's answer for hf:" + repoId + "@" + revision + " has no commit sha");
        }
        List<HubFile> files = new ArrayList<>();
        for (JsonNode sibling : json.path("siblings").values()) {
            String name = sibling.path("rfilename").asString("");
            if (name.isEmpty()) {
                continue;
            }
            JsonNode lfs = sibling.path("lfs");
            Optional<String> sha256 = lfs.isObject()
                    ? Optional.of(lfs.path("sha256").asString("")).filter(s -> s.matches("[0-9a-f]{64}"))
                    : Optional.empty();
            long size = lfs.isObject() && lfs.has("size")
                    ? lfs.path("size").asLong(-1)
                    : sibling.path("size").asLong(-1);
            String blobId = sibling.path("blobId").asString("");
            if (lfs.isObject() && sha256.isEmpty()) {
                // An LFS entry without its SHA-256 cannot be verified; download() refuses it by the empty blob id.
                blobId = "";
            }
            files.add(new HubFile(name, size, blobId, sha256));
        }
        return new HubRevision(repoId, revision, commit, files, licence(json.path("cardData")), gated(json));
    }

    private static Optional<String> licence(JsonNode card) {
        JsonNode license = card.path("license");
        String value;
        if (license.isArray()) {
            List<String> names = new ArrayList<>();
            license.values().forEach(n -> names.add(n.asString("")));
            value = String.join(", ", names);
        } else {
            value = license.asString("");
        }
        if (value.equals("other") && card.hasNonNull("license_name")) {
            value = card.path("license_name").asString("");
        }
        return Optional.of(value.strip()).filter(s -> !s.isEmpty());
    }

    private static boolean gated(JsonNode json) {
        JsonNode gated = json.path("gated");
        return gated.isString() || gated.asBoolean(false);
    }

    /** A path segment, percent-encoded as huggingface_hub's {@code quote(revision, safe="")}. */
    static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static InterruptedException interrupted(InterruptedIOException e) {
        InterruptedException interrupted = new InterruptedException("download interrupted");
        interrupted.initCause(e);
        return interrupted;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // A redirect's body is not needed.
        }
    }

    /** Recomputes the published hash of a complete file; empty when it does not match. */
    private static Optional<String> verifiedSha256(HubFile file, Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (channel.size() != file.size()) {
                return Optional.empty();
            }
            Transfer check = new Transfer(file, channel, delta -> {});
            check.hashExisting();
            return check.hashMismatch().isEmpty() ? Optional.of(check.sha256Hex()) : Optional.empty();
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        http.close();
    }

    /**
     * Watches one body: when no bytes have arrived for the timeout, interrupts the reading thread (the body's
     * blocked read then fails) and remembers that it did, so the failure is retried as a stall rather than taken as
     * a cancellation.
     */
    private static final class Stall {
        private final Thread reader;
        private final long timeoutNanos;
        private volatile long lastProgress = System.nanoTime();
        private boolean fired;
        private boolean finished;
        private boolean cleared;

        Stall(Thread reader, long timeoutNanos) {
            this.reader = reader;
            this.timeoutNanos = timeoutNanos;
        }

        void progressed() {
            lastProgress = System.nanoTime();
        }

        synchronized void check() {
            if (!finished && !fired && System.nanoTime() - lastProgress > timeoutNanos) {
                fired = true;
                reader.interrupt();
            }
        }

        /**
         * Ends the watch; returns whether it interrupted the reader, and then clears the interrupt it caused so the
         * retry can proceed.
         */
        synchronized boolean finish() {
            finished = true;
            if (fired && !cleared) {
                Thread.interrupted();
                cleared = true;
            }
            return fired;
        }
    }

    /** A transient failure of one request: the download retries (and resumes) unless its attempts are used up. */
    private static final class Retry extends Exception {
        Retry(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** A failure writing the local file, told apart from a failure reading the network. */
    private static final class LocalWriteException extends IOException {
        LocalWriteException(IOException cause) {
            super(cause);
        }

        IOException local() {
            return (IOException) getCause();
        }
    }

    /**
     * The state of one file's download: the partial file, how far it is, and the running hashes over everything
     * written so far (the SHA-256 always; the git blob SHA-1 for plain git files).
     */
    private static final class Transfer {
        private final HubFile file;
        private final FileChannel channel;
        private final LongConsumer progress;
        private MessageDigest sha256;
        private MessageDigest gitSha1;
        private long position;

        Transfer(HubFile file, FileChannel channel, LongConsumer progress) {
            this.file = file;
            this.channel = channel;
            this.progress = progress;
            resetHashes();
        }

        private void resetHashes() {
            sha256 = digest("SHA-256");
            gitSha1 = null;
            if (!file.isLfs()) {
                gitSha1 = digest("SHA-1");
                gitSha1.update(("blob " + file.size() + "\0").getBytes(StandardCharsets.US_ASCII));
            }
        }

        /** Takes over what an earlier attempt or run left in the partial file. */
        void resumeFromExisting() throws IOException {
            if (channel.size() > file.size()) {
                channel.truncate(0);
            }
            hashExisting();
            if (position > 0) {
                log.info("{}: resuming at byte {} of {}", file.name(), position, file.size());
                progress.accept(position);
            }
        }

        void hashExisting() throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
            long size = channel.size();
            long at = 0;
            while (at < size) {
                buffer.clear();
                int read = channel.read(buffer, at);
                if (read < 0) {
                    break;
                }
                update(buffer.array(), read);
                at += read;
            }
            position = at;
        }

        /** Discards what was written: the server will send the file from its first byte. */
        void restart() throws IOException {
            try {
                channel.truncate(0);
            } catch (IOException e) {
                throw new LocalWriteException(e);
            }
            progress.accept(-position);
            position = 0;
            resetHashes();
        }

        void append(byte[] bytes, int length) throws IOException {
            if (position + length > file.size()) {
                throw new HubException(
                        HubException.Problem.SIZE_MISMATCH,
                        file.name(),
                        file.name() + ": the server sent more than the " + file.size() + " bytes the Hub publishes");
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer, position + (buffer.position()));
                }
            } catch (IOException e) {
                throw new LocalWriteException(e);
            }
            update(bytes, length);
            position += length;
            progress.accept(length);
        }

        private void update(byte[] bytes, int length) {
            sha256.update(bytes, 0, length);
            if (gitSha1 != null) {
                gitSha1.update(bytes, 0, length);
            }
        }

        long position() {
            return position;
        }

        boolean complete() {
            return position == file.size();
        }

        String sha256Hex() {
            return HexFormat.of().formatHex(clone(sha256).digest());
        }

        /** A message naming the file and both hashes, when the content is not what the Hub publishes. */
        Optional<String> hashMismatch() {
            if (file.isLfs()) {
                String actual = sha256Hex();
                String expected = file.lfsSha256().orElseThrow();
                return actual.equals(expected)
                        ? Optional.empty()
                        : Optional.of(file.name() + ": SHA-256 of the downloaded bytes is " + actual
                                + ", the Hub publishes " + expected + "; the download was deleted");
            }
            String actual = HexFormat.of().formatHex(clone(gitSha1).digest());
            return actual.equals(file.blobId())
                    ? Optional.empty()
                    : Optional.of(file.name() + ": git blob SHA-1 of the downloaded bytes is " + actual
                            + ", the Hub publishes " + file.blobId() + "; the download was deleted");
        }

        private static MessageDigest clone(MessageDigest digest) {
            try {
                return (MessageDigest) digest.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("the JDK's SHA digests are cloneable", e);
            }
        }

        private static MessageDigest digest(String algorithm) {
            try {
                return MessageDigest.getInstance(algorithm);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has " + algorithm, e);
            }
        }
    }
}

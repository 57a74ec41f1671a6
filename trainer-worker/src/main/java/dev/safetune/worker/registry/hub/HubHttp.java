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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hub's HTTP as {@code huggingface_hub} speaks it: its URLs, the token on requests to the endpoint's own origin
 * only, redirects followed here rather than by {@link HttpClient} (so the token never reaches a CDN), transient
 * failures (429, 408, 5xx, a cut connection) retried with doubling backoff, and HTTP/1.1, one connection per parallel
 * download (HTTP/2 would multiplex them over one TCP connection, which is slower for large files from a CDN).
 */
final class HubHttp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubHttp.class);
    private static final String USER_AGENT = "safetune-model-importer/1 (java.net.http)";
    private static final int MAX_REDIRECTS = 10;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final HubSettings settings;
    private final HttpClient http;

    HubHttp(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout())
                .build();
    }

    HubSettings settings() {
        return settings;
    }

    /** {@code {endpoint}/api/models/{repo}/revision/{revision}?blobs=true}: the commit and its files with hashes. */
    URI revisionUri(String repoId, String revision) {
        return URI.create(
                settings.endpoint() + "/api/models/" + repoId + "/revision/" + encodeSegment(revision) + "?blobs=true");
    }

    /** {@code {endpoint}/{repo}/resolve/{commit}/{file}}: the file's bytes, or a redirect to them. */
    URI fileUri(HubRevision revision, HubFile file) {
        return URI.create(settings.endpoint() + "/" + revision.repoId() + "/resolve/" + revision.commit() + "/"
                + encodeSegment(file.name()));
    }

    /** A GET of a small answer from the endpoint, retried while it fails transiently. */
    HttpResponse<byte[]> getWithRetries(URI uri) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<byte[]> response =
                        http.send(hubRequest(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (!isTransient(response.statusCode())) {
                    return response;
                }
                retryOrGiveUp(attempt, null, "HTTP " + response.statusCode() + " from " + uri, null);
            } catch (InterruptedIOException e) {
                throw interrupted(e);
            } catch (IOException e) {
                retryOrGiveUp(attempt, null, "cannot reach " + uri + ": " + e, e);
            }
        }
    }

    /**
     * The streamed answer to a GET, after any redirects, with the headers of the Hub's own (first) answer, which name
     * the content, and whether it came from elsewhere.
     */
    record Fetched(HttpResponse<InputStream> response, HttpHeaders hubHeaders, boolean redirected) {}

    /** Sends a GET from byte {@code offset} on, following redirects; the token goes only to the endpoint's origin. */
    Fetched send(URI uri, long offset, HubFile file) throws InterruptedException, Retry {
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

    static boolean isTransient(int status) {
        return status == 429 || status == 408 || status >= 500;
    }

    /**
     * Waits {@code retryBackoff × 2^(attempt−1)} (at most 30 s) before the next attempt, or gives up with
     * {@code BAD_RESPONSE} once {@code maxAttempts} are used.
     */
    void retryOrGiveUp(int attempt, String file, String what, Throwable cause) throws InterruptedException {
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

    /** Maps a failed answer to what it means; see {@link HubFailures}. */
    HubException failure(int status, HttpHeaders headers, String repoId, String revision, String file) {
        return HubFailures.of(settings, status, headers, repoId, revision, file);
    }

    /** A path segment, percent-encoded as huggingface_hub's {@code quote(revision, safe="")}. */
    static String encodeSegment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static InterruptedException interrupted(InterruptedIOException e) {
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

    @Override
    public void close() {
        http.close();
    }

    /** A transient failure of one request: the download retries (and resumes) unless its attempts are used up. */
    static final class Retry extends Exception {
        Retry(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }
}

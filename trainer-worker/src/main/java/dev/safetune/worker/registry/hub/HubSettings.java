package dev.safetune.worker.registry.hub;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach a Hugging Face Hub (or a mirror speaking its API).
 *
 * @param endpoint the Hub, {@value #DEFAULT_ENDPOINT} unless {@code HF_ENDPOINT} names a mirror (as for
 *     {@code huggingface_hub})
 * @param token a user access token ({@code HF_TOKEN}) for gated and private repositories; sent only to the endpoint's
 *     own host as {@code Authorization: Bearer}, never to the CDN a download redirects to, never logged
 * @param parallelDownloads how many files download at once
 * @param maxAttempts tries per file (and per metadata request) before a transient failure (a cut connection, 5xx,
 *     429) is final; each retry of a file resumes where the last one stopped
 * @param retryBackoff the wait before the first retry; it doubles with each further retry, up to 30 s
 * @param connectTimeout for opening a connection
 * @param responseTimeout for the response headers of one request, and the longest pause in a body before the
 *     download is retried (the body of a large file may take much longer in all)
 */
public record HubSettings(
        URI endpoint,
        Optional<String> token,
        int parallelDownloads,
        int maxAttempts,
        Duration retryBackoff,
        Duration connectTimeout,
        Duration responseTimeout) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    public static final String ENDPOINT_VARIABLE = "HF_ENDPOINT";
    public static final String TOKEN_VARIABLE = "HF_TOKEN";
    public static final int DEFAULT_PARALLEL_DOWNLOADS = 4;

    public HubSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("Hub endpoint must be an http(s) URL, got " + endpoint);
        }
        // huggingface_hub strips a trailing slash too; URLs are built as endpoint + "/api/...".
        String text = endpoint.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        endpoint = URI.create(text);
        token = Objects.requireNonNull(token, "token").filter(t -> !t.isBlank()).map(String::strip);
        if (parallelDownloads < 1 || parallelDownloads > 64) {
            throw new IllegalArgumentException("parallel downloads must be 1 to 64, got " + parallelDownloads);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
    }

    /** The public Hub, no token, defaults for the rest. */
    public static HubSettings defaults() {
        return of(URI.create(DEFAULT_ENDPOINT), Optional.empty());
    }

    /** The given endpoint and token with default parallelism, retries and timeouts. */
    public static HubSettings of(URI endpoint, Optional<String> token) {
        return new HubSettings(
                endpoint,
                token,
                DEFAULT_PARALLEL_DOWNLOADS,
                5,
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60));
    }

    /** {@code HF_ENDPOINT} and {@code HF_TOKEN} from {@code environment}, defaults for the rest. */
    public static HubSettings fromEnvironment(Map<String, String> environment) {
        String endpoint = environment.get(ENDPOINT_VARIABLE);
        return of(
                URI.create(endpoint == null || endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.strip()),
                Optional.ofNullable(environment.get(TOKEN_VARIABLE)));
    }

    public HubSettings withParallelDownloads(int parallel) {
        return new HubSettings(endpoint, token, parallel, maxAttempts, retryBackoff, connectTimeout, responseTimeout);
    }

    public HubSettings withRetries(int attempts, Duration backoff) {
        return new HubSettings(endpoint, token, parallelDownloads, attempts, backoff, connectTimeout, responseTimeout);
    }

    public HubSettings withResponseTimeout(Duration timeout) {
        return new HubSettings(endpoint, token, parallelDownloads, maxAttempts, retryBackoff, connectTimeout, timeout);
    }

    public HubSettings withToken(Optional<String> newToken) {
        return new HubSettings(
                endpoint, newToken, parallelDownloads, maxAttempts, retryBackoff, connectTimeout, responseTimeout);
    }

    /** Never shows the token, only whether there is one. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", token=" + (token.isPresent() ? "(set)" : "(none)")
                + ", parallelDownloads=" + parallelDownloads + ", maxAttempts=" + maxAttempts + "]";
    }
}

package dev.safetune.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A minimal client of SafeTune's /v1 API over real HTTP, as the OpenAI SDKs would call it. */
public final class ApiClient {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final String baseUrl;
    private final String apiKey;

    /**
     * The API's base URL from {@code configured} (a variable's value, null or blank when unset), else the local
     * platform on {@code SAFETUNE_PORT} (default 8080). OpenAI base URLs end in /v1; this client adds the /v1 of each
     * path itself, so a trailing /v1 (and trailing slashes) are dropped.
     */
    static String baseUrl(String configured, Map<String, String> env) {
        return configured == null || configured.isBlank()
                ? "http://127.0.0.1:" + env.getOrDefault("SAFETUNE_PORT", "8080")
                : configured.replaceAll("/+$", "").replaceAll("/v1$", "");
    }

    public ApiClient(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
    }

    /** The API this client talks to, without a trailing /v1. */
    String apiBaseUrl() {
        return baseUrl;
    }

    /** A response's status and parsed body. */
    public record Response(int status, JsonNode body) {
        public JsonNode ok() {
            if (status / 100 != 2) {
                throw new IllegalStateException("HTTP " + status + ": " + body);
            }
            return body;
        }
    }

    /** Uploads a JSONL file as {@code multipart/form-data} with purpose fine-tune. */
    public Response uploadFile(String filename, InputStream content) {
        String boundary = "safetune-" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                        + filename + "\"\r\nContent-Type: application/jsonl\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        return send(request("/v1/files")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                // Streamed: the file is never held in memory whole, here or on the server.
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofInputStream(() -> content),
                        HttpRequest.BodyPublishers.ofByteArray(tail)))
                .build());
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public Response post(String path, Object body) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build());
    }

    public Response put(String path, Object body) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build());
    }

    public Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    /** Every event of a job, oldest first, after {@code afterId} (null for all). */
    public List<JsonNode> eventsAfter(String jobId, String afterId) {
        List<JsonNode> events = new ArrayList<>();
        String cursor = afterId;
        while (true) {
            String path = "/v1/fine_tuning/jobs/" + jobId + "/events?order=asc&limit=100"
                    + (cursor == null ? "" : "&after=" + cursor);
            JsonNode page = get(path).ok();
            page.path("data").forEach(events::add);
            if (!page.path("has_more").asBoolean() || events.isEmpty()) {
                return events;
            }
            cursor = events.getLast().path("id").asString();
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + apiKey);
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            JsonNode body = text == null || text.isBlank() ? json.nullNode() : json.readTree(text);
            return new Response(response.statusCode(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot reach " + baseUrl + " (" + e + "); is ./safetune serve running? Otherwise set"
                            + " SAFETUNE_BASE_URL (or OPENAI_BASE_URL) to the platform's address",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

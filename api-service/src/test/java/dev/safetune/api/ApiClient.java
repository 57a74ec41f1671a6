package dev.safetune.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A real HTTP client for the API, as a customer's code would use it: one instance per API key. */
public final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final String apiKey;
    private final String organizationId;

    public ApiClient(int port, String apiKey, String organizationId) {
        this.base = URI.create("http://127.0.0.1:" + port);
        this.apiKey = apiKey;
        this.organizationId = organizationId;
    }

    /** The organisation this client's key belongs to. */
    public String organizationId() {
        return organizationId;
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    public Response get(String path, Map<String, String> headers) {
        HttpRequest.Builder request = request(path).GET();
        headers.forEach(request::header);
        return send(request);
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    public Response post(String path, String json) {
        return post(path, json, Map.of());
    }

    public Response put(String path, String json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A JSON POST with extra headers, e.g. {@code Idempotency-Key}. */
    public Response post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder request = request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return send(request);
    }

    /**
     * Opens {@code path} as a Server-Sent Events stream, resuming after {@code lastEventId} when it is not null; the
     * lines arrive as the server sends them.
     */
    public HttpResponse<Stream<String>> stream(String path, String lastEventId) {
        HttpRequest.Builder request = request(path).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            return HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Response send(String method, String path) {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code POST /v1/files} as multipart/form-data with the given purpose; no file part when content is null. */
    public Response upload(String filename, byte[] content, String purpose) {
        return upload(filename, content, purpose, false);
    }

    /** As {@link #upload(String, byte[], String)}, with the purpose part after the file part when asked. */
    public Response upload(String filename, byte[] content, String purpose, boolean purposeLast) {
        String boundary = "----safetune-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String purposePart =
                "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose + "\r\n";
        if (!purposeLast) {
            write(body, purposePart);
        }
        if (content != null) {
            write(
                    body,
                    "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                            + "\"\r\nContent-Type: application/jsonl\r\n\r\n");
            body.writeBytes(content);
            write(body, "\r\n");
        }
        if (purposeLast) {
            write(body, purposePart);
        }
        write(body, "--" + boundary + "--\r\n");
        return send(request("/v1/files")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** Uploads a file that must be accepted, returning its id. */
    public String uploadProcessed(String content) {
        Response response = upload("train.jsonl", content.getBytes(StandardCharsets.UTF_8), "fine-tune");
        if (response.status() != 200
                || !"processed".equals(response.json().path("status").asString())) {
            throw new AssertionError("upload not processed: " + response);
        }
        return response.json().path("id").asString();
    }

    /** Creates a job that must be accepted, returning its id. */
    public String createJob(String model, String trainingFile) {
        Response response = post(
                "/v1/fine_tuning/jobs", "{\"model\":\"" + model + "\",\"training_file\":\"" + trainingFile + "\"}");
        if (response.status() != 200) {
            throw new AssertionError("job not created: " + response);
        }
        return response.json().path("id").asString();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path));
        Optional.ofNullable(apiKey).ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder;
    }

    private static Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null),
                    response.headers(),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    public record Response(int status, String contentType, HttpHeaders headers, byte[] body) {
        public JsonNode json() {
            return JSON.readTree(body);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The OpenAI error object of an error response. */
        public JsonNode error() {
            return json().path("error");
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }
}

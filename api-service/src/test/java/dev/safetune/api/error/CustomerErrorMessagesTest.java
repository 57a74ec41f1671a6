package dev.safetune.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every message a customer or operator reads about bad input says what is wrong in their terms (line, column, field)
 * and nothing of the parser: over real HTTP, for uploads, dry runs, job creation and the admin API.
 */
class CustomerErrorMessagesTest extends ApiServiceTestBase {
    private static final List<String> INTERNALS = List.of(
            "Source:",
            "REDACTED",
            "#UNKNOWN",
            "StreamReadFeature",
            "Feature",
            "`",
            "tools.jackson",
            "java.",
            "Exception",
            "\tat ",
            "(code ");

    private static AbstractStringAssert<?> assertCustomerTerms(String message) {
        return assertThat(message).doesNotContain(INTERNALS);
    }

    @Test
    void anUploadWithBadJsonOnLineSevenSaysLineColumnAndReason() {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(12);
        String truncated = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}";
        lines.set(6, truncated);

        JsonNode file = api.upload("bad.jsonl", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json();

        String expected = "invalid JSON: unexpected end of input: expected ']' to close an array (column "
                + (truncated.length() + 1) + ")";
        assertCustomerTerms(file.path("status_details").asString()).isEqualTo("line 7: " + expected);
        JsonNode error = file.path("validation").path("errors").get(0);
        assertThat(error.path("line").asInt()).isEqualTo(7);
        assertCustomerTerms(error.path("message").asString()).isEqualTo(expected);
    }

    @Test
    void anUploadWithInvalidUtf8OnLineFiveIsReportedThereAndEveryLineIsCounted() {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(12);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (int i = 0; i < lines.size(); i++) {
            if (i == 4) {
                content.writeBytes("{\"x\":\"".getBytes(StandardCharsets.UTF_8));
                content.write(0xFF);
                content.writeBytes("\"}\r\n".getBytes(StandardCharsets.UTF_8));
            }
            content.writeBytes((lines.get(i) + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        JsonNode file =
                api.upload("utf8.jsonl", content.toByteArray(), "fine-tune").json();

        assertThat(file.path("status").asString()).isEqualTo("error");
        assertCustomerTerms(file.path("status_details").asString())
                .isEqualTo("line 5: invalid UTF-8: byte 0xFF at byte 7 of the line does not start or continue a"
                        + " character");
        assertThat(file.path("validation").path("lines").asInt()).isEqualTo(13);
        assertThat(file.path("validation").path("examples").asInt()).isEqualTo(12);
    }

    @Test
    void aSchemaErrorNamesTheLineAndTheField() {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(12);
        lines.set(
                2,
                "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},"
                        + "{\"role\":\"bot\",\"content\":\"c\"}]}");

        JsonNode file = api.upload("role.jsonl", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json();

        assertCustomerTerms(file.path("status_details").asString())
                .isEqualTo("line 3: messages[2].role must be one of system, user, assistant (got 'bot')");
    }

    @Test
    void jobCreationOnAFileWithErrorsRepeatsTheLineInCustomerTerms() {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(12);
        lines.set(6, "{\"messages\": [");
        String fileId = api.upload("bad.jsonl", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json()
                .path("id")
                .asString();

        Response response =
                api.post("/v1/fine_tuning/jobs", "{\"model\":\"tiny-base\",\"training_file\":\"" + fileId + "\"}");

        assertThat(response.status()).isEqualTo(400);
        assertCustomerTerms(response.error().path("message").asString())
                .contains("line 7: invalid JSON: unexpected end of input");
    }

    @Test
    void aMalformedJobRequestBodySaysWhereItBreaks() {
        Response response = newTenant().post("/v1/fine_tuning/jobs", "{\"model\": \"tiny-base\",\n \"seed\": }");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("code").asString()).isEqualTo("invalid_json");
        assertCustomerTerms(response.error().path("message").asString())
                .isEqualTo("We could not parse the JSON body of your request: unexpected character '}': expected a"
                        + " value (line 2, column 10). The body must be a valid JSON object.");
    }

    @Test
    void aMalformedDryRunBodySaysWhereItBreaks() {
        ApiClient api = newTenant();
        String fileId = api.uploadProcessed(TrainingFiles.valid(10));

        Response response = api.post("/v1/files/" + fileId + "/validate", "{\"model\":\"tiny-base\",");

        assertThat(response.status()).isEqualTo(400);
        assertCustomerTerms(response.error().path("message").asString()).contains("unexpected end of input");
    }

    @Test
    void aTruncatedMultipartUploadSaysSoInPlainWords() throws Exception {
        String organization = apiKeys.createOrganization("Uploader").id();
        String key = apiKeys.createKey(organization, "test", "member").key();
        String boundary = "----cut";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n"
                + "{\"messages\":[";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/files"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();

        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newHttpClient()) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }

        assertThat(response.statusCode()).isEqualTo(400);
        String message = JsonMapper.builder()
                .build()
                .readTree(response.body())
                .path("error")
                .path("message")
                .asString();
        assertCustomerTerms(message).startsWith("Malformed multipart body");
    }

    @Test
    void aMalformedAdminBodyIsAProblemInTheOperatorsTerms() {
        String organization = apiKeys.createOrganization("Operators").id();
        ApiClient admin = new ApiClient(
                port, apiKeys.createKey(organization, "ops", "admin").key(), organization);

        Response response = admin.post("/admin/models/imports", "{\"source\": hf:gpt2}");

        assertThat(response.status()).isEqualTo(400);
        JsonNode problem = response.json();
        assertThat(problem.path("code").asString()).isEqualTo("invalid_json");
        assertCustomerTerms(problem.path("detail").asString())
                .contains("unrecognized token 'hf'")
                .contains("(line 1, column 12)");
    }
}

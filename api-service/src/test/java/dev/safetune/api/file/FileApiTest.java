package dev.safetune.api.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

class FileApiTest extends ApiServiceTestBase {

    @Test
    void uploadWithCrlfLineEndingsAndBlankLinesIsProcessedWithItsExampleCount() throws Exception {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(12);
        String content = String.join("\r\n", lines.subList(0, 6)) + "\r\n\r\n   \r\n"
                + String.join("\r\n", lines.subList(6, 12)) + "\r\n";
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);

        Response response = api.upload("train.jsonl", bytes, "fine-tune");

        assertThat(response.status()).isEqualTo(200);
        JsonNode file = response.json();
        assertThat(file.path("id").asString()).startsWith("file-");
        assertThat(file.path("object").asString()).isEqualTo("file");
        assertThat(file.path("bytes").asLong()).isEqualTo(bytes.length);
        assertThat(file.path("filename").asString()).isEqualTo("train.jsonl");
        assertThat(file.path("purpose").asString()).isEqualTo("fine-tune");
        assertThat(file.path("status").asString()).isEqualTo("processed");
        assertThat(file.path("status_details").isNull()).isTrue();
        assertThat(file.path("created_at").asLong()).isCloseTo(System.currentTimeMillis() / 1000, within(60L));
        assertThat(file.path("validation").path("examples").asInt()).isEqualTo(12);
        assertThat(file.path("validation").path("lines").asInt()).isEqualTo(14);
        assertThat(file.path("validation").path("error_count").asInt()).isZero();

        String storedHash = jdbc.queryForObject(
                "SELECT sha256 FROM files WHERE id = ?",
                String.class,
                file.path("id").asString());
        assertThat(storedHash)
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    static Stream<Arguments> badLines() {
        return Stream.of(
                Arguments.of("invalid JSON", "{\"messages\": [", null, "invalid JSON: unexpected end of input"),
                Arguments.of("missing messages", "{\"prompt\":\"hi\"}", "messages", "is required"),
                Arguments.of("messages not an array", "{\"messages\":\"hi\"}", "messages", "must be an array"),
                Arguments.of(
                        "bad role",
                        "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}",
                        "messages[0].role",
                        "must be one of system, user, assistant"),
                Arguments.of(
                        "empty content",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}",
                        "messages[0].content",
                        "must not be empty"),
                Arguments.of(
                        "no assistant message",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                        "messages",
                        "at least one assistant message"),
                Arguments.of(
                        "bad weight",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\",\"weight\":2}]}",
                        "messages[1].weight",
                        "must be 0 or 1"),
                Arguments.of(
                        "unknown field",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"mood\":\"sad\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}",
                        "messages[0].mood",
                        "is not a supported field"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLines")
    void badLineIsReportedWithItsLineNumberAndField(String kind, String badLine, String field, String message) {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(11);
        lines.add(3, badLine); // line 4

        Response response =
                api.upload("bad.jsonl", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "fine-tune");

        assertThat(response.status()).isEqualTo(200);
        JsonNode file = response.json();
        assertThat(file.path("status").asString()).isEqualTo("error");
        assertThat(file.path("status_details").asString())
                .startsWith("line 4: ")
                .contains(message);
        JsonNode validation = file.path("validation");
        assertThat(validation.path("examples").asInt()).isEqualTo(11);
        assertThat(validation.path("error_count").asInt()).isEqualTo(1);
        JsonNode error = validation.path("errors").get(0);
        assertThat(error.path("line").asInt()).isEqualTo(4);
        assertThat(error.path("field").isNull() ? null : error.path("field").asString())
                .isEqualTo(field);
        assertThat(error.path("message").asString()).contains(message);
    }

    @Test
    void fileWithFewerThanTenExamplesIsRejected() {
        ApiClient api = newTenant();

        JsonNode file = api.upload("small.jsonl", TrainingFiles.valid(9).getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json();

        assertThat(file.path("status").asString()).isEqualTo("error");
        assertThat(file.path("status_details").asString())
                .isEqualTo("file: has 9 example(s); at least 10 are required");
        JsonNode error = file.path("validation").path("errors").get(0);
        assertThat(error.path("line").isNull()).isTrue();
        assertThat(error.path("message").asString()).contains("at least 10");
    }

    @Test
    void uploadForAnotherPurposeIsRejectedNamingPurpose() {
        Response response = newTenant()
                .upload("train.jsonl", TrainingFiles.valid(10).getBytes(StandardCharsets.UTF_8), "assistants");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("purpose");
        assertThat(response.error().path("type").asString()).isEqualTo("invalid_request_error");
    }

    @Test
    void purposeMayFollowTheFilePart() {
        Response response = newTenant()
                .upload("train.jsonl", TrainingFiles.valid(10).getBytes(StandardCharsets.UTF_8), "fine-tune", true);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("status").asString()).isEqualTo("processed");
    }

    @Test
    void aWrongPurposeAfterTheFileLeavesNothingStored() {
        ApiClient tenant = newTenant();

        Response response = tenant.upload(
                "train.jsonl", TrainingFiles.valid(10).getBytes(StandardCharsets.UTF_8), "assistants", true);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("purpose");
        assertThat(tenant.get("/v1/files").json().path("data").size()).isZero();
    }

    @Test
    void uploadWithoutAFileIsRejectedNamingFile() {
        Response response = newTenant().upload(null, null, "fine-tune");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("file");
        assertThat(response.error().path("message").asString()).isEqualTo("Missing required parameter: 'file'.");
    }

    @Test
    void aLineLongerThanTheLimitIsReportedAndSkippedAndTheWholeFileIsStillStored() {
        ApiClient api = newTenant();
        String longLine = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(FileService.MAX_LINE_BYTES)
                + "\"},{\"role\":\"assistant\",\"content\":\"y\"}]}\n";
        byte[] content = (TrainingFiles.valid(3) + longLine + TrainingFiles.valid(10)).getBytes(StandardCharsets.UTF_8);

        JsonNode file = api.upload("long.jsonl", content, "fine-tune").json();

        assertThat(file.path("status").asString()).isEqualTo("error");
        assertThat(file.path("bytes").asLong()).isEqualTo(content.length);
        JsonNode error = file.path("validation").path("errors").get(0);
        assertThat(error.path("line").asInt()).isEqualTo(4);
        assertThat(error.path("message").asString()).isEqualTo("is longer than 8388608 bytes");
        assertThat(file.path("validation").path("examples").asInt()).isEqualTo(13);
        assertThat(file.path("validation").path("lines").asInt()).isEqualTo(14);
    }

    @Test
    void contentDownloadReturnsTheUploadedBytes() {
        ApiClient api = newTenant();
        String content = TrainingFiles.valid(10).replace("\n", "\r\n") + "\r\n";
        String id = api.uploadProcessed(content);

        Response download = api.get("/v1/files/" + id + "/content");

        assertThat(download.status()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void getReturnsTheStoredFileWithTheReportComputedAtUpload() {
        ApiClient api = newTenant();
        List<String> lines = TrainingFiles.exampleLines(12);
        lines.set(2, "{\"messages\":\"hi\"}");
        String id = api.upload("bad.jsonl", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json()
                .path("id")
                .asString();

        JsonNode file = api.get("/v1/files/" + id).json();

        assertThat(file.path("id").asString()).isEqualTo(id);
        assertThat(file.path("status").asString()).isEqualTo("error");
        JsonNode validation = file.path("validation");
        assertThat(validation.path("examples").asInt()).isEqualTo(11);
        assertThat(validation.path("lines").asInt()).isEqualTo(12);
        assertThat(validation.path("error_count").asInt()).isEqualTo(1);
        assertThat(validation.path("errors").get(0).path("line").asInt()).isEqualTo(3);
        assertThat(validation.path("errors").get(0).path("field").asString()).isEqualTo("messages");
    }

    @Test
    void listLeavesOutTheReports() {
        ApiClient api = newTenant();
        api.uploadProcessed(TrainingFiles.valid(10));

        JsonNode listed = api.get("/v1/files").json().path("data").get(0);

        assertThat(listed.has("validation")).isFalse();
    }

    @Test
    void uploadReportsEveryBadLineUpToAThousand() {
        ApiClient api = newTenant();
        String content = "{bad\n".repeat(1200) + TrainingFiles.valid(10);

        JsonNode validation = api.upload("bad.jsonl", content.getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json()
                .path("validation");

        assertThat(validation.path("error_count").asInt()).isEqualTo(1200);
        assertThat(validation.path("errors").size()).isEqualTo(1000);
        assertThat(validation.path("errors").get(999).path("line").asInt()).isEqualTo(1000);
    }

    @Test
    void listShowsTheTenantsFilesNewestFirst() {
        ApiClient api = newTenant();
        String first = api.uploadProcessed(TrainingFiles.valid(10));
        String second = api.uploadProcessed(TrainingFiles.valid(11));

        JsonNode list = api.get("/v1/files").json();

        assertThat(list.path("object").asString()).isEqualTo("list");
        assertThat(list.path("data").valueStream().map(f -> f.path("id").asString()))
                .containsExactly(second, first);
        assertThat(list.path("has_more").asBoolean()).isFalse();
        JsonNode page = api.get("/v1/files?limit=1").json();
        assertThat(page.path("data").get(0).path("id").asString()).isEqualTo(second);
        assertThat(page.path("has_more").asBoolean()).isTrue();
    }

    @Test
    void deletedFileIsGoneWithItsBytes() {
        ApiClient api = newTenant();
        String id = api.uploadProcessed(TrainingFiles.valid(10));
        Path stored = Path.of(jdbc.queryForObject("SELECT storage_path FROM files WHERE id = ?", String.class, id));
        assertThat(stored).exists().startsWith(ARTIFACTS_DIR.resolve("files").resolve(api.organizationId()));

        Response deleted = api.delete("/v1/files/" + id);

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("id").asString()).isEqualTo(id);
        assertThat(deleted.json().path("object").asString()).isEqualTo("file");
        assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
        assertThat(api.get("/v1/files/" + id).status()).isEqualTo(404);
        assertThat(Files.exists(stored)).isFalse();
    }

    @Test
    void deletingAFileUsedByAQueuedJobIsRefusedAndKeepsTheFile() {
        ApiClient api = newTenant();
        String id = api.uploadProcessed(TrainingFiles.valid(10));
        String job = api.createJob(BASE_MODEL, id);

        Response refused = api.delete("/v1/files/" + id);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.error().path("code").asString()).isEqualTo("file_in_use");
        assertThat(refused.error().path("message").asString()).contains(job);
        assertThat(api.get("/v1/files/" + id).status()).isEqualTo(200);
        assertThat(api.get("/v1/files/" + id + "/content").text()).isEqualTo(TrainingFiles.valid(10));
    }

    @Test
    void fileOfACancelledJobCanBeDeleted() {
        ApiClient api = newTenant();
        String id = api.uploadProcessed(TrainingFiles.valid(10));
        String job = api.createJob(BASE_MODEL, id);
        api.post("/v1/fine_tuning/jobs/" + job + "/cancel");

        assertThat(api.delete("/v1/files/" + id).status()).isEqualTo(200);
    }
}

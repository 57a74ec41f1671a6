package dev.safetune.api.dryrun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/files/{id}/validate}. Counts use the test model's word-level tokenizer (see
 * {@link ApiServiceTestBase}): an example of {@link TrainingFiles} has a 4-token system message ("You are helpful."),
 * a 6-token user message ("What is 3 + 1?") and a 1-token answer, and each message costs 3 formatting tokens
 * (&lt;|im_start|&gt;, the role, &lt;|im_end|&gt;; newlines are no token): 20 tokens an example.
 */
class DryRunApiTest extends ApiServiceTestBase {
    private ApiClient api;

    @BeforeEach
    void newTenantPerTest() {
        api = newTenant();
    }

    @Test
    void reportCountsTokensPerRoleWithTheModelsOwnTokenizer() {
        String file = api.uploadProcessed(TrainingFiles.valid(12));

        JsonNode report = validate(file, "{\"model\":\"tiny-base\",\"n_epochs\":2}");

        assertThat(report.path("object").asString()).isEqualTo("file.validation");
        assertThat(report.path("file_id").asString()).isEqualTo(file);
        assertThat(report.path("model").asString()).isEqualTo(BASE_MODEL);
        assertThat(report.path("valid").asBoolean()).isTrue();
        assertThat(report.path("validation").path("examples").asInt()).isEqualTo(12);
        assertThat(report.path("validation").path("error_count").asInt()).isZero();
        JsonNode tokens = report.path("tokens");
        assertThat(tokens.path("system").asLong()).isEqualTo(12 * 4);
        assertThat(tokens.path("user").asLong()).isEqualTo(12 * 6);
        assertThat(tokens.path("assistant").asLong()).isEqualTo(12);
        assertThat(tokens.path("formatting").asLong()).isEqualTo(12 * 3 * 3);
        assertThat(tokens.path("trained_tokens_per_epoch").asLong()).isEqualTo(12 * 20);
        assertThat(tokens.path("truncated_examples").asInt()).isZero();
        assertThat(tokens.path("skipped_examples").asInt()).isZero();
        assertThat(tokens.path("max_sequence_length").asInt()).isEqualTo(256);
    }

    @Test
    void withoutAMeasuredThroughputTheCostIsEstimatedButTheDurationIsNot() {
        String file = api.uploadProcessed(TrainingFiles.valid(12));

        JsonNode estimate =
                validate(file, "{\"model\":\"tiny-base\",\"n_epochs\":2}").path("estimate");

        assertThat(estimate.path("trained_tokens").asLong()).isEqualTo(480);
        assertThat(estimate.path("epochs").asInt()).isEqualTo(2);
        // 480 tokens at the default $2.00 per million.
        assertThat(estimate.path("cost_usd").asDouble()).isEqualTo(0.00096);
        assertThat(estimate.path("duration_seconds").isNull()).isTrue();
        assertThat(estimate.path("tokens_per_second").isNull()).isTrue();
        assertThat(estimate.path("throughput_source").asString()).isEqualTo("none: no job has run on this model yet");
    }

    @Test
    void durationComesFromTheWorkersMeasuredThroughputAndEpochsDefaultAsForAJob() {
        String file = api.uploadProcessed(TrainingFiles.valid(12));
        jdbc.update("INSERT INTO training_throughput (model, tokens_per_second, jobs) VALUES (?, 40.0, 3)", BASE_MODEL);
        try {
            JsonNode estimate = validate(file, "{\"model\":\"tiny-base\"}").path("estimate");

            // 240 tokens per epoch, 3 epochs by default, 40 tokens/s.
            assertThat(estimate.path("epochs").asInt()).isEqualTo(3);
            assertThat(estimate.path("trained_tokens").asLong()).isEqualTo(720);
            assertThat(estimate.path("duration_seconds").asLong()).isEqualTo(18);
            assertThat(estimate.path("tokens_per_second").asDouble()).isEqualTo(40.0);
            assertThat(estimate.path("throughput_source").asString())
                    .startsWith("measured: exponentially weighted mean over 3 job(s) on this model");
        } finally {
            jdbc.update("DELETE FROM training_throughput WHERE model = ?", BASE_MODEL);
        }
    }

    @Test
    void longExamplesAreCutAtTheSequenceLengthAndOnesWithNothingLeftToTrainAreSkipped() {
        String longText = String.join(" ", java.util.Collections.nCopies(300, "word"));
        List<String> lines = new ArrayList<>(TrainingFiles.exampleLines(10));
        // 4 + 303 = 307 tokens: trained on its first 256.
        lines.add(conversation("hi", longText));
        // The answer starts after 300 user tokens: nothing to train on within 256 tokens.
        lines.add(conversation(longText, "ok"));
        String file = api.uploadProcessed(String.join("\n", lines));

        JsonNode tokens = validate(file, "{\"model\":\"tiny-base\"}").path("tokens");

        assertThat(tokens.path("truncated_examples").asInt()).isEqualTo(1);
        assertThat(tokens.path("skipped_examples").asInt()).isEqualTo(1);
        assertThat(tokens.path("trained_tokens_per_epoch").asLong()).isEqualTo(10 * 20 + 256);
        assertThat(tokens.path("user").asLong()).isEqualTo(10 * 6 + 1 + 300);
    }

    @Test
    void aFileWithErrorsIsReportedInvalidWithEveryBadLineAndCountsItsValidExamples() {
        List<String> lines = new ArrayList<>(TrainingFiles.exampleLines(12));
        lines.set(1, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        lines.set(4, "not json");
        String file = api.upload("bad.jsonl", String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json()
                .path("id")
                .asString();

        JsonNode report = validate(file, "{\"model\":\"tiny-base\"}");

        assertThat(report.path("valid").asBoolean()).isFalse();
        JsonNode validation = report.path("validation");
        assertThat(validation.path("error_count").asInt()).isEqualTo(2);
        assertThat(validation
                        .path("errors")
                        .valueStream()
                        .map(e -> e.path("line").asInt()))
                .containsExactly(2, 5);
        assertThat(validation.path("errors").get(0).path("message").asString())
                .contains("at least one assistant message");
        assertThat(report.path("tokens").path("trained_tokens_per_epoch").asLong())
                .isEqualTo(10 * 20);
    }

    @Test
    void theSafetyPolicyIsEchoed() {
        String file = api.uploadProcessed(TrainingFiles.valid(10));

        JsonNode report =
                validate(file, "{\"model\":\"tiny-base\",\"safety_policy\":{\"id\":\"strict\",\"version\":2}}");

        assertThat(report.path("safety_policy").path("id").asString()).isEqualTo("strict");
        assertThat(report.path("safety_policy").path("version").asInt()).isEqualTo(2);
    }

    @Test
    void countsAreComputedOnceAndThenReusedFromTheDatabase() throws Exception {
        String file = api.uploadProcessed(TrainingFiles.valid(10));
        JsonNode first = validate(file, "{\"model\":\"tiny-base\"}");
        // Without the bytes only the stored counts can answer.
        Path stored = Path.of(jdbc.queryForObject("SELECT storage_path FROM files WHERE id = ?", String.class, file));
        Files.delete(stored);

        JsonNode second = validate(file, "{\"model\":\"tiny-base\"}");

        assertThat(second.path("tokens")).isEqualTo(first.path("tokens"));
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM file_token_counts WHERE file_id = ? AND model = ?",
                        Integer.class,
                        file,
                        BASE_MODEL))
                .isEqualTo(1);
    }

    @Test
    void aFileUploadedBeforeReportsWereKeptGetsItsReportFromTheDryRun() {
        String file = api.uploadProcessed(TrainingFiles.valid(10));
        jdbc.update("UPDATE files SET validation_report = NULL WHERE id = ?", file);

        JsonNode report = validate(file, "{\"model\":\"tiny-base\"}");

        assertThat(report.path("validation").path("examples").asInt()).isEqualTo(10);
        assertThat(api.get("/v1/files/" + file)
                        .json()
                        .path("validation")
                        .path("examples")
                        .asInt())
                .isEqualTo(10);
    }

    @Test
    void anUnknownModelIsRejectedNamingModel() {
        String file = api.uploadProcessed(TrainingFiles.valid(10));

        Response response = api.post("/v1/files/" + file + "/validate", "{\"model\":\"gpt-9\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("model");
        assertThat(response.error().path("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void aMissingModelIsRejected() {
        String file = api.uploadProcessed(TrainingFiles.valid(10));

        Response response = api.post("/v1/files/" + file + "/validate", "{}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("message").asString()).isEqualTo("Missing required parameter: 'model'.");
    }

    @Test
    void epochsOutOfBoundsAreRejectedNamingNEpochs() {
        String file = api.uploadProcessed(TrainingFiles.valid(10));

        Response response = api.post("/v1/files/" + file + "/validate", "{\"model\":\"tiny-base\",\"n_epochs\":0}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("n_epochs");
    }

    @Test
    void anotherTenantsFileIsNotFound() {
        String file = api.uploadProcessed(TrainingFiles.valid(10));

        Response response = newTenant().post("/v1/files/" + file + "/validate", "{\"model\":\"tiny-base\"}");

        assertThat(response.status()).isEqualTo(404);
    }

    private JsonNode validate(String file, String body) {
        Response response = api.post("/v1/files/" + file + "/validate", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static String conversation(String user, String assistant) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"},{\"role\":\"assistant\",\"content\":\""
                + assistant + "\"}]}";
    }
}

package dev.safetune.api.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.TrainingFiles;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class FineTuningJobApiTest extends ApiServiceTestBase {
    @Autowired
    private SafetuneProperties properties;

    private ApiClient api;
    private String trainingFile;

    @BeforeEach
    void newTenantWithATrainingFile() {
        api = newTenant();
        trainingFile = api.uploadProcessed(TrainingFiles.valid(10));
    }

    @Test
    void createdJobIsQueuedWithResolvedHyperparameters() {
        Response response = api.post("/v1/fine_tuning/jobs", """
                {"model":"tiny-base","training_file":"%s","suffix":"math","seed":42,
                 "hyperparameters":{"n_epochs":2,"batch_size":"auto"},"metadata":{"team":"research"}}""".formatted(trainingFile));

        assertThat(response.status()).isEqualTo(200);
        JsonNode job = response.json();
        assertThat(job.path("id").asString()).startsWith("ftjob-");
        assertThat(job.path("object").asString()).isEqualTo("fine_tuning.job");
        assertThat(job.path("status").asString()).isEqualTo("queued");
        assertThat(job.path("model").asString()).isEqualTo(BASE_MODEL);
        assertThat(job.path("organization_id").asString()).isEqualTo(api.organizationId());
        assertThat(job.path("training_file").asString()).isEqualTo(trainingFile);
        assertThat(job.path("validation_file").isNull()).isTrue();
        assertThat(job.path("fine_tuned_model").isNull()).isTrue();
        assertThat(job.path("finished_at").isNull()).isTrue();
        assertThat(job.path("error").isNull()).isTrue();
        assertThat(job.path("result_files").isArray()).isTrue();
        assertThat(job.path("result_files").size()).isZero();
        assertThat(job.path("seed").asLong()).isEqualTo(42);
        assertThat(job.path("suffix").asString()).isEqualTo("math");
        assertThat(job.path("metadata").path("team").asString()).isEqualTo("research");
        JsonNode hp = job.path("hyperparameters");
        assertThat(hp.path("n_epochs").asInt()).isEqualTo(2);
        assertThat(hp.path("batch_size").asInt()).isEqualTo(8);
        assertThat(hp.path("learning_rate_multiplier").asDouble()).isEqualTo(1.0);
        assertThat(job.path("method").path("type").asString()).isEqualTo("supervised");
        assertThat(job.path("method").path("supervised").path("hyperparameters"))
                .isEqualTo(hp);
        String queuedAt = jdbc.queryForObject(
                "SELECT queued_at::text FROM fine_tuning_jobs WHERE id = ?",
                String.class,
                job.path("id").asString());
        assertThat(queuedAt).isNotNull();
    }

    @Test
    void createdJobRecordsItsValidationAndQueueingAsEvents() {
        String job = api.createJob(BASE_MODEL, trainingFile);

        JsonNode events = api.get("/v1/fine_tuning/jobs/" + job + "/events").json();

        assertThat(events.path("object").asString()).isEqualTo("list");
        assertThat(events.path("has_more").asBoolean()).isFalse();
        assertThat(events.path("data").valueStream().map(e -> e.path("message").asString()))
                .containsExactly(
                        "Files validated, moving job to queued state", "Validating training file: " + trainingFile);
        JsonNode newest = events.path("data").get(0);
        assertThat(newest.path("id").asString()).startsWith("ftevent-");
        assertThat(newest.path("object").asString()).isEqualTo("fine_tuning.job.event");
        assertThat(newest.path("level").asString()).isEqualTo("info");
        assertThat(newest.path("type").asString()).isEqualTo("message");
    }

    @Test
    void hyperparametersGivenUnderMethodAreUsed() {
        JsonNode job =
                api.post("/v1/fine_tuning/jobs", """
                        {"model":"tiny-base","training_file":"%s","method":{"type":"supervised",
                         "supervised":{"hyperparameters":{"n_epochs":5,"learning_rate_multiplier":0.5}}}}""".formatted(trainingFile)).json();

        assertThat(job.path("hyperparameters").path("n_epochs").asInt()).isEqualTo(5);
        assertThat(job.path("hyperparameters").path("learning_rate_multiplier").asDouble())
                .isEqualTo(0.5);
        String stored = jdbc.queryForObject(
                "SELECT hyperparameters::text FROM fine_tuning_jobs WHERE id = ?",
                String.class,
                job.path("id").asString());
        assertThat(stored)
                .isEqualTo("{\"n_epochs\": 5, \"batch_size\": 8, \"max_sequence_length\": 256,"
                        + " \"learning_rate_multiplier\": 0.5}");
    }

    @Test
    void jobStoresThePlatformSequenceLengthWhileItsWireHyperparametersStayOpenAis() {
        JsonNode job = api.post(
                        "/v1/fine_tuning/jobs",
                        "{\"model\":\"tiny-base\",\"training_file\":\"%s\"}".formatted(trainingFile))
                .json();

        Integer stored = jdbc.queryForObject(
                "SELECT (hyperparameters->>'max_sequence_length')::int FROM fine_tuning_jobs WHERE id = ?",
                Integer.class,
                job.path("id").asString());
        assertThat(stored).isEqualTo(properties.estimate().maxSequenceLength());
        assertThat(job.path("hyperparameters").propertyNames())
                .containsExactlyInAnyOrder("batch_size", "learning_rate_multiplier", "n_epochs");
        assertThat(job.path("method").path("supervised").path("hyperparameters").propertyNames())
                .containsExactlyInAnyOrder("batch_size", "learning_rate_multiplier", "n_epochs");
    }

    @Test
    void creatingAJobNotifiesListeningWorkers() throws Exception {
        try (Connection worker = DriverManager.getConnection(DATABASE.jdbcUrl());
                Statement listen = worker.createStatement()) {
            listen.execute("LISTEN safetune_jobs");

            String job = api.createJob(BASE_MODEL, trainingFile);

            List<String> payloads = new ArrayList<>();
            PGNotification[] received = worker.unwrap(PGConnection.class).getNotifications(10_000);
            for (PGNotification notification : received == null ? new PGNotification[0] : received) {
                payloads.add(notification.getName() + ":" + notification.getParameter());
            }
            assertThat(payloads).contains("safetune_jobs:" + job);
        }
    }

    @Test
    void listPagesNewestFirstWithAfterAndLimit() {
        String first = api.createJob(BASE_MODEL, trainingFile);
        String second = api.createJob(BASE_MODEL, trainingFile);
        String third = api.createJob(BASE_MODEL, trainingFile);

        JsonNode page1 = api.get("/v1/fine_tuning/jobs?limit=2").json();
        JsonNode page2 = api.get("/v1/fine_tuning/jobs?limit=2&after=" + second).json();

        assertThat(ids(page1)).containsExactly(third, second);
        assertThat(page1.path("has_more").asBoolean()).isTrue();
        assertThat(ids(page2)).containsExactly(first);
        assertThat(page2.path("has_more").asBoolean()).isFalse();
        assertThat(ids(api.get("/v1/fine_tuning/jobs").json())).containsExactly(third, second, first);
    }

    @Test
    void limitOutsideOneToHundredIsRejectedNamingLimit() {
        Response response = api.get("/v1/fine_tuning/jobs?limit=101");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("limit");
    }

    @Test
    void getReturnsTheJob() {
        String job = api.createJob(BASE_MODEL, trainingFile);

        Response response = api.get("/v1/fine_tuning/jobs/" + job);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("id").asString()).isEqualTo(job);
        assertThat(response.json().path("status").asString()).isEqualTo("queued");
    }

    @Test
    void cancellingAQueuedJobCancelsIt() {
        String job = api.createJob(BASE_MODEL, trainingFile);

        Response response = api.post("/v1/fine_tuning/jobs/" + job + "/cancel");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("status").asString()).isEqualTo("cancelled");
        assertThat(response.json().path("finished_at").asLong()).isPositive();
        assertThat(api.get("/v1/fine_tuning/jobs/" + job).json().path("status").asString())
                .isEqualTo("cancelled");
        JsonNode newestEvent = api.get("/v1/fine_tuning/jobs/" + job + "/events?limit=1")
                .json()
                .path("data")
                .get(0);
        assertThat(newestEvent.path("message").asString()).isEqualTo("Job cancelled");
    }

    @Test
    void cancellingARunningJobCancelsItForTheWorkerToNotice() {
        String job = api.createJob(BASE_MODEL, trainingFile);
        jdbc.update("UPDATE fine_tuning_jobs SET status = 'running', locked_by = 'worker-1' WHERE id = ?", job);

        Response response = api.post("/v1/fine_tuning/jobs/" + job + "/cancel");

        assertThat(response.json().path("status").asString()).isEqualTo("cancelled");
        Long version = jdbc.queryForObject("SELECT version FROM fine_tuning_jobs WHERE id = ?", Long.class, job);
        assertThat(version).isEqualTo(2); // insert 0, queued 1, cancelled 2
    }

    @Test
    void cancellingASucceededJobIsRefused() {
        String job = api.createJob(BASE_MODEL, trainingFile);
        jdbc.update("UPDATE fine_tuning_jobs SET status = 'succeeded', finished_at = now() WHERE id = ?", job);

        Response response = api.post("/v1/fine_tuning/jobs/" + job + "/cancel");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("code").asString()).isEqualTo("invalid_state");
        assertThat(response.error().path("message").asString()).isEqualTo("Job " + job + " is already succeeded.");
        assertThat(api.get("/v1/fine_tuning/jobs/" + job).json().path("status").asString())
                .isEqualTo("succeeded");
    }

    @Test
    void pausingAndResumingAQueuedJobPutsItBackInTheQueueWithANotify() throws Exception {
        String job = api.createJob(BASE_MODEL, trainingFile);

        Response paused = api.post("/v1/fine_tuning/jobs/" + job + "/pause");
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().path("status").asString()).isEqualTo("paused");

        try (Connection worker = DriverManager.getConnection(DATABASE.jdbcUrl());
                Statement listen = worker.createStatement()) {
            listen.execute("LISTEN safetune_jobs");

            Response resumed = api.post("/v1/fine_tuning/jobs/" + job + "/resume");

            assertThat(resumed.json().path("status").asString()).isEqualTo("queued");
            PGNotification[] received = worker.unwrap(PGConnection.class).getNotifications(10_000);
            assertThat(received).isNotNull();
            assertThat(received).extracting(PGNotification::getParameter).contains(job);
        }
        assertThat(api.get("/v1/fine_tuning/jobs/" + job + "/events?limit=2")
                        .json()
                        .path("data"))
                .extracting(e -> e.path("message").asString())
                .containsExactly("Job resumed, moving job to queued state", "Job paused");
    }

    @Test
    void resumingAJobThatIsNotPausedIsRefused() {
        String job = api.createJob(BASE_MODEL, trainingFile);

        Response response = api.post("/v1/fine_tuning/jobs/" + job + "/resume");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("code").asString()).isEqualTo("invalid_state");
        assertThat(response.error().path("message").asString())
                .isEqualTo("Job " + job + " cannot be resumed while it is queued.");
    }

    @Test
    void pausingASucceededJobIsRefused() {
        String job = api.createJob(BASE_MODEL, trainingFile);
        jdbc.update("UPDATE fine_tuning_jobs SET status = 'succeeded', finished_at = now() WHERE id = ?", job);

        Response response = api.post("/v1/fine_tuning/jobs/" + job + "/pause");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("message").asString())
                .isEqualTo("Job " + job + " cannot be paused while it is succeeded.");
    }

    static Stream<Arguments> badHyperparameters() {
        return Stream.of(
                Arguments.of("{\"n_epochs\":0}", "hyperparameters.n_epochs"),
                Arguments.of("{\"n_epochs\":2.5}", "hyperparameters.n_epochs"),
                Arguments.of("{\"batch_size\":1000}", "hyperparameters.batch_size"),
                Arguments.of("{\"batch_size\":\"big\"}", "hyperparameters.batch_size"),
                Arguments.of("{\"learning_rate_multiplier\":-1}", "hyperparameters.learning_rate_multiplier"),
                Arguments.of("{\"learning_rate_multiplier\":\"fast\"}", "hyperparameters.learning_rate_multiplier"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHyperparameters")
    void badHyperparameterIsRejectedNamingIt(String hyperparameters, String param) {
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"hyperparameters\":%s}"
                        .formatted(trainingFile, hyperparameters));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo(param);
        assertThat(response.error().path("message").asString()).contains(param);
        assertThat(jobCount()).isZero();
    }

    @Test
    void badHyperparameterUnderMethodIsRejectedNamingItsPath() {
        Response response = api.post("/v1/fine_tuning/jobs", """
                {"model":"tiny-base","training_file":"%s","method":{"type":"supervised",
                 "supervised":{"hyperparameters":{"n_epochs":51}}}}""".formatted(trainingFile));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("method.supervised.hyperparameters.n_epochs");
    }

    @Test
    void unknownMethodTypeIsRejected() {
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"method\":{\"type\":\"dpo\"}}"
                        .formatted(trainingFile));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("method.type");
        assertThat(response.error().path("message").asString()).contains("'dpo'");
    }

    @Test
    void unknownTrainingFileIsRejected() {
        Response response =
                api.post("/v1/fine_tuning/jobs", "{\"model\":\"tiny-base\",\"training_file\":\"file-doesnotexist\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("training_file");
        assertThat(response.error().path("message").asString()).contains("file-doesnotexist");
    }

    @Test
    void trainingFileThatFailedValidationIsRejectedWithItsDetails() {
        String bad = api.upload("bad.jsonl", "{\"messages\":\"hi\"}\n".getBytes(StandardCharsets.UTF_8), "fine-tune")
                .json()
                .path("id")
                .asString();

        Response response =
                api.post("/v1/fine_tuning/jobs", "{\"model\":\"tiny-base\",\"training_file\":\"%s\"}".formatted(bad));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("training_file");
        assertThat(response.error().path("message").asString()).contains("line 1: messages must be an array");
    }

    @Test
    void unknownValidationFileIsRejected() {
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"validation_file\":\"file-nope\"}"
                        .formatted(trainingFile));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("validation_file");
    }

    @Test
    void unknownModelIsRejected() {
        Response response = api.post(
                "/v1/fine_tuning/jobs", "{\"model\":\"gpt-9\",\"training_file\":\"%s\"}".formatted(trainingFile));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("model");
        assertThat(response.error().path("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void missingModelIsRejected() {
        Response response = api.post("/v1/fine_tuning/jobs", "{\"training_file\":\"%s\"}".formatted(trainingFile));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("message").asString()).isEqualTo("Missing required parameter: 'model'.");
    }

    @Test
    void suffixLongerThan64CharactersIsRejected() {
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"suffix\":\"%s\"}"
                        .formatted(trainingFile, "s".repeat(65)));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("suffix");
    }

    @Test
    void moreThanSixteenMetadataPairsAreRejected() {
        StringBuilder metadata = new StringBuilder("{");
        for (int i = 0; i < 17; i++) {
            metadata.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        metadata.append("}");
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"metadata\":%s}".formatted(trainingFile, metadata));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("metadata");
    }

    @Test
    void malformedJsonIsRejected() {
        Response response = api.post("/v1/fine_tuning/jobs", "{\"model\": ");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(response.error().path("code").asString()).isEqualTo("invalid_json");
    }

    @Test
    void wronglyTypedFieldIsRejectedNamingIt() {
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"seed\":\"abc\"}".formatted(trainingFile));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("seed");
        assertThat(response.error().path("message").asString())
                .isEqualTo("Invalid type for 'seed': expected an integer.");
    }

    @Test
    void eventsCanBeFollowedOldestFirstAfterAGivenEvent() {
        String job = api.createJob(BASE_MODEL, trainingFile);
        api.post("/v1/fine_tuning/jobs/" + job + "/cancel");
        JsonNode all =
                api.get("/v1/fine_tuning/jobs/" + job + "/events?order=asc").json();
        String firstId = all.path("data").get(0).path("id").asString();

        JsonNode newer = api.get("/v1/fine_tuning/jobs/" + job + "/events?order=asc&after=" + firstId)
                .json();
        JsonNode older = api.get("/v1/fine_tuning/jobs/" + job + "/events?limit=1&after="
                        + all.path("data").get(2).path("id").asString())
                .json();

        assertThat(newer.path("data").valueStream().map(e -> e.path("message").asString()))
                .containsExactly("Files validated, moving job to queued state", "Job cancelled");
        assertThat(older.path("data").get(0).path("message").asString())
                .isEqualTo("Files validated, moving job to queued state");
        assertThat(older.path("has_more").asBoolean()).isTrue();
    }

    @Test
    void metricsEventsCarryTheirDataAsStored() {
        String job = api.createJob(BASE_MODEL, trainingFile);
        jdbc.update(
                "INSERT INTO job_events (job_id, organization_id, level, type, message, data)"
                        + " VALUES (?, ?, 'info', 'metrics', 'Step 1/30: training loss=2.10', ?::jsonb)",
                job,
                api.organizationId(),
                "{\"step\":1,\"train_loss\":2.1}");

        JsonNode newest = api.get("/v1/fine_tuning/jobs/" + job + "/events?limit=1")
                .json()
                .path("data")
                .get(0);

        assertThat(newest.path("type").asString()).isEqualTo("metrics");
        assertThat(newest.path("data").path("step").asInt()).isEqualTo(1);
        assertThat(newest.path("data").path("train_loss").asDouble()).isEqualTo(2.1);
    }

    @Test
    void checkpointsAreListedNewestFirstWithTheirMetrics() {
        String job = api.createJob(BASE_MODEL, trainingFile);
        for (int step : new int[] {10, 20, 30}) {
            jdbc.update(
                    "INSERT INTO checkpoints (id, job_id, organization_id, step_number, metrics, storage_path,"
                            + " fine_tuned_model_checkpoint, attempt) VALUES (?, ?, ?, ?, ?::jsonb, '/tmp/x', ?, 1)",
                    "ftckpt-" + job + "-" + step,
                    job,
                    api.organizationId(),
                    step,
                    "{\"step\":" + step + ",\"train_loss\":0.5,\"valid_loss\":0.7}",
                    "ft:tiny-base:org::" + job + ":ckpt-step-" + step);
        }

        JsonNode page =
                api.get("/v1/fine_tuning/jobs/" + job + "/checkpoints?limit=2").json();
        JsonNode rest = api.get("/v1/fine_tuning/jobs/" + job + "/checkpoints?after=ftckpt-" + job + "-20")
                .json();

        assertThat(page.path("data")
                        .valueStream()
                        .map(c -> c.path("step_number").asInt()))
                .containsExactly(30, 20);
        assertThat(page.path("has_more").asBoolean()).isTrue();
        JsonNode newest = page.path("data").get(0);
        assertThat(newest.path("object").asString()).isEqualTo("fine_tuning.job.checkpoint");
        assertThat(newest.path("fine_tuning_job_id").asString()).isEqualTo(job);
        assertThat(newest.path("fine_tuned_model_checkpoint").asString()).endsWith(":ckpt-step-30");
        assertThat(newest.path("metrics").path("valid_loss").asDouble()).isEqualTo(0.7);
        assertThat(rest.path("data")
                        .valueStream()
                        .map(c -> c.path("step_number").asInt()))
                .containsExactly(10);
    }

    private int jobCount() {
        return jdbc.queryForObject(
                "SELECT count(*) FROM fine_tuning_jobs WHERE organization_id = ?", Integer.class, api.organizationId());
    }

    private static List<String> ids(JsonNode list) {
        return list.path("data").valueStream().map(j -> j.path("id").asString()).toList();
    }
}

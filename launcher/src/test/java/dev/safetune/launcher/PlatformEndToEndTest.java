package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.id.Ids;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.testsupport.TestDatabase;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.StepMetrics;
import dev.safetune.worker.training.TrainingListener;
import dev.safetune.worker.training.TrainingRequest;
import dev.safetune.worker.training.TrainingStoppedException;
import dev.safetune.worker.work.WorkPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole platform in one JVM over real HTTP and a real PostgreSQL: the API and a worker that trains with DJL.
 * Short leases and heartbeats make crash recovery observable within seconds.
 */
class PlatformEndToEndTest {
    private static final String KEY = "sk-st-endToEndTestKey0000000000000000000000";
    private static final String ADMIN_KEY = "sk-st-adminE2eTestKey00000000000000000000000";
    private static final Map<String, Object> FAST_WORKER = Map.of(
            "safetune.worker.heartbeat-interval", "300ms",
            "safetune.worker.lease-duration", "2s",
            "safetune.worker.poll-interval", "1s",
            "safetune.worker.checkpoint-every-steps", "10");

    @TempDir
    static Path home;

    private static TestDatabase database;
    private static Platform platform;
    private static ApiClient client;

    @BeforeAll
    static void startPlatform() throws IOException {
        database = TestDatabase.create();
        BaseModelGenerator.generate(home.resolve("models").resolve(LocalSetup.BASE_MODEL), LocalSetup.BASE_MODEL, 42);
        Map<String, Object> common = new java.util.HashMap<>(FAST_WORKER);
        common.put("spring.datasource.url", database.jdbcUrl());
        common.put("safetune.artifacts-dir", home.resolve("artifacts").toString());
        common.put("safetune.models-dir", home.resolve("models").toString());
        platform = Platform.start(
                common, Map.of("safetune.bootstrap-api-key", KEY, "safetune.bootstrap-admin-key", ADMIN_KEY), 0, 1);
        client = new ApiClient(platform.apiBaseUrl(), KEY);
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
        database.close();
    }

    @Test
    void fineTunesTheBundledSampleEndToEndAndTheLossFalls() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DemoCommand demo = new DemoCommand(new PrintStream(log, true, StandardCharsets.UTF_8), false);

        JobFollower.Followed result = demo.runJob(client, LocalSetup.BASE_MODEL);

        JsonNode job = result.job();
        assertThat(job.path("status").asString())
                .as(log.toString(StandardCharsets.UTF_8))
                .isEqualTo("succeeded");
        assertThat(job.path("fine_tuned_model").asString())
                .isEqualTo("ft:safetune-tiny:org-default:demo:" + job.path("id").asString());
        assertThat(job.path("trained_tokens").asLong()).isPositive();
        assertThat(result.metrics()).isNotEmpty();
        assertThat(result.lastLoss() / result.firstLoss()).isLessThan(0.5);
        assertThat(result.metrics().getLast().has("valid_loss")).isTrue();
        assertThat(result.checkpoints()).isGreaterThanOrEqualTo(2);

        JsonNode checkpoint = client.get(
                        "/v1/fine_tuning/jobs/" + job.path("id").asString() + "/checkpoints")
                .ok()
                .path("data")
                .get(0);
        assertThat(checkpoint.path("fine_tuned_model_checkpoint").asString())
                .startsWith(job.path("fine_tuned_model").asString() + ":ckpt-step-");
        assertThat(checkpoint.path("metrics").has("train_loss")).isTrue();

        List<String> models = client.get("/v1/models")
                .ok()
                .path("data")
                .valueStream()
                .map(m -> m.path("id").asString())
                .toList();
        assertThat(models)
                .contains(LocalSetup.BASE_MODEL, job.path("fine_tuned_model").asString());

        JsonNode resultFiles = job.path("result_files");
        assertThat(resultFiles.size()).isEqualTo(1);
        List<JsonNode> rows = diagnosticsRows(resultFiles.get(0).asString());
        assertThat(rows).hasSize(160);
        assertThat(rows.getFirst().path("loss_end").asDouble())
                .isGreaterThanOrEqualTo(rows.getLast().path("loss_end").asDouble());
        long improved = rows.stream()
                .filter(r ->
                        r.path("loss_end").asDouble() < r.path("loss_start").asDouble())
                .count();
        assertThat(improved).isGreaterThan(rows.size() * 9L / 10);

        String workerMetrics = scrape(platform.workers().getLast());
        assertThat(workerMetrics).contains("safetune_training_tokens_total", "safetune_training_step_seconds");
        assertThat(workerMetrics).contains("safetune_queue_wait_seconds");
        assertThat(scrape(platform.api())).contains("safetune_jobs");
    }

    @Test
    void theBundledBaseModelListsTheProjectsLicence() {
        LocalSetup.recordBaseModelLicence(database.jdbcUrl());

        JsonNode model = client.get("/v1/models/" + LocalSetup.BASE_MODEL).ok();

        assertThat(model.path("licence").asString()).isEqualTo(LocalSetup.BASE_MODEL_LICENCE);
    }

    @Test
    void customerCliExplainsABadFileLineByLine(@TempDir Path scratch) throws Exception {
        Path data = scratch.resolve("bad.jsonl");
        java.nio.file.Files.writeString(data, "{\"messages\": []}\n{not json\n");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("OPENAI_BASE_URL", platform.apiBaseUrl() + "/v1", "OPENAI_API_KEY", KEY);
        SafeTuneCli.Console console = new SafeTuneCli.Console(out, out, false, env, scratch);

        assertThat(SafeTuneCli.run(console, List.of("files", "upload", data.toString())))
                .isEqualTo(1);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("error", "line 1 messages: must not be empty", "line 2");
    }

    @Test
    void cancellingARunningJobStopsItsWorkerWithinSeconds() throws Exception {
        String jobId = createJob(Map.of("n_epochs", 50, "batch_size", 4));
        awaitTrue(Duration.ofSeconds(120), () -> countMetricsEvents(jobId) >= 2);

        JsonNode cancelled = client.post("/v1/fine_tuning/jobs/" + jobId + "/cancel", Map.of())
                .ok();
        Instant cancelledAt = Instant.now();

        assertThat(cancelled.path("status").asString()).isEqualTo("cancelled");
        awaitTrue(
                Duration.ofSeconds(10), () -> messages(jobId).stream().anyMatch(m -> m.startsWith("Training stopped")));
        assertThat(Duration.between(cancelledAt, Instant.now())).isLessThan(Duration.ofSeconds(10));
        long afterStop = countMetricsEvents(jobId);
        Thread.sleep(1500);
        assertThat(countMetricsEvents(jobId)).isEqualTo(afterStop);
        assertThat(client.get("/v1/fine_tuning/jobs/" + jobId)
                        .ok()
                        .path("status")
                        .asString())
                .isEqualTo("cancelled");
    }

    @Test
    void pausedJobStopsTrainingAndResumesFromItsCheckpoint() throws Exception {
        String jobId = createJob(Map.of("n_epochs", 3, "batch_size", 8));
        awaitTrue(Duration.ofSeconds(120), () -> lastMetricsStep(jobId) >= 12);

        assertThat(client.post("/v1/fine_tuning/jobs/" + jobId + "/pause", Map.of())
                        .ok()
                        .path("status")
                        .asString())
                .isEqualTo("paused");
        awaitTrue(
                Duration.ofSeconds(10), () -> messages(jobId).stream().anyMatch(m -> m.startsWith("Training paused")));
        long metricsWhilePaused = countMetricsEvents(jobId);
        Thread.sleep(1000);
        assertThat(countMetricsEvents(jobId)).isEqualTo(metricsWhilePaused);

        assertThat(client.post("/v1/fine_tuning/jobs/" + jobId + "/resume", Map.of())
                        .ok()
                        .path("status")
                        .asString())
                .isEqualTo("queued");
        awaitTrue(Duration.ofSeconds(180), () -> isTerminal(jobId));

        assertThat(client.get("/v1/fine_tuning/jobs/" + jobId)
                        .ok()
                        .path("status")
                        .asString())
                .isEqualTo("succeeded");
        assertThat(messages(jobId)).anyMatch(m -> m.matches("Resuming from checkpoint at step [1-9][0-9]*"));
    }

    @Test
    void jobOfAWorkerThatStopsHeartbeatingIsResumedFromItsCheckpointByAnother() throws Exception {
        platform.workers().forEach(ConfigurableApplicationContext::close);
        String jobId = createJob(Map.of("n_epochs", 2, "batch_size", 8));
        int crashedAt = trainUntilFirstCheckpointAsADeadWorker(jobId);

        platform.startWorker(Map.of());

        awaitTrue(Duration.ofSeconds(180), () -> isTerminal(jobId));
        JsonNode job = client.get("/v1/fine_tuning/jobs/" + jobId).ok();
        assertThat(job.path("status").asString()).isEqualTo("succeeded");
        List<String> messages = messages(jobId);
        assertThat(messages).anyMatch(m -> m.startsWith("Worker lease expired on attempt 1"));
        assertThat(messages).contains("Resuming from checkpoint at step " + crashedAt);
        JsonNode firstResumedStep = client.eventsAfter(jobId, null).stream()
                .filter(e -> "metrics".equals(e.path("type").asString()))
                .map(e -> e.path("data"))
                .filter(d -> d.path("step").asInt() > crashedAt)
                .findFirst()
                .orElseThrow();
        assertThat(firstResumedStep.path("step").asInt()).isEqualTo(crashedAt + 1);
    }

    /**
     * Plays a worker that claims the job, trains for real until its first checkpoint, records it, and then dies
     * without releasing the lease or heartbeating again.
     */
    private int trainUntilFirstCheckpointAsADeadWorker(String jobId) throws IOException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(database.jdbcUrl());
        JobQueue queue = new JobQueue(
                ds,
                JsonMapper.builder().build(),
                new WorkPolicy(Duration.ofSeconds(2), Duration.ofMillis(500), OptionalInt.empty()));
        ClaimedJob claimed = queue.claim("dead-worker").orElseThrow();
        assertThat(claimed.id()).isEqualTo(jobId);
        List<ChatExample> training;
        try (InputStream in = DemoCommand.class.getResourceAsStream("/samples/demo-train.jsonl")) {
            training = new TrainingFileReader().readAll(in);
        }
        int[] checkpointStep = {0};
        TrainingListener crashAfterCheckpoint = new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {}

            @Override
            public void onCheckpoint(int step, Path dir, StepMetrics m) {
                queue.recordCheckpoint(
                        claimed.lease(), Ids.newId("ftckpt"), step, Map.of("step", step), dir.toString(), "ckpt");
                checkpointStep[0] = step;
            }

            @Override
            public boolean shouldStop() {
                return checkpointStep[0] > 0;
            }
        };
        Path workDir = home.resolve("artifacts/jobs/org-default").resolve(jobId).resolve("attempt-1");
        Path baseModel = home.resolve("models").resolve(LocalSetup.BASE_MODEL);
        try {
            new FineTuner()
                    .train(
                            new TrainingRequest(
                                    baseModel,
                                    training,
                                    List.of(),
                                    claimed.hyperparameters(),
                                    claimed.seed(),
                                    workDir,
                                    10,
                                    Optional.empty(),
                                    claimed.hyperparameters().maxSequenceLength(),
                                    FineTuningMethod.of(baseModel).adapter()),
                            crashAfterCheckpoint);
        } catch (TrainingStoppedException expected) {
            // the "crash"
        }
        assertThat(checkpointStep[0]).isEqualTo(10);
        return checkpointStep[0];
    }

    private String createJob(Map<String, Object> hyperparameters) {
        String train;
        try (InputStream in = DemoCommand.class.getResourceAsStream("/samples/demo-train.jsonl")) {
            train = client.uploadFile("train.jsonl", in).ok().path("id").asString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return client.post(
                        "/v1/fine_tuning/jobs",
                        Map.of(
                                "model", LocalSetup.BASE_MODEL,
                                "training_file", train,
                                "hyperparameters", hyperparameters))
                .ok()
                .path("id")
                .asString();
    }

    /** The job's per-example diagnostics file, downloaded through the files API like any file the customer owns. */
    private List<JsonNode> diagnosticsRows(String fileId) throws Exception {
        JsonNode file = client.get("/v1/files/" + fileId).ok();
        assertThat(file.path("purpose").asString()).isEqualTo("fine-tune-results");
        HttpResponse<String> content = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(platform.apiBaseUrl() + "/v1/files/" + fileId + "/content"))
                                .header("Authorization", "Bearer " + KEY)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(content.statusCode()).isEqualTo(200);
        JsonMapper json = JsonMapper.builder().build();
        return content.body().lines().map(json::readTree).toList();
    }

    private boolean isTerminal(String jobId) {
        String status =
                client.get("/v1/fine_tuning/jobs/" + jobId).ok().path("status").asString();
        return List.of("succeeded", "failed", "cancelled").contains(status);
    }

    private int lastMetricsStep(String jobId) {
        return client.eventsAfter(jobId, null).stream()
                .filter(e -> "metrics".equals(e.path("type").asString()))
                .mapToInt(e -> e.path("data").path("step").asInt())
                .max()
                .orElse(0);
    }

    private long countMetricsEvents(String jobId) {
        return client.eventsAfter(jobId, null).stream()
                .filter(e -> "metrics".equals(e.path("type").asString()))
                .count();
    }

    private List<String> messages(String jobId) {
        return client.eventsAfter(jobId, null).stream()
                .map(e -> e.path("message").asString())
                .toList();
    }

    private static String scrape(ConfigurableApplicationContext app) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + Platform.port(app) + "/actuator/prometheus"))
                                // The API's metrics need an admin key; a worker's port is not the public one.
                                .header("Authorization", "Bearer " + ADMIN_KEY)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(200);
        }
    }
}

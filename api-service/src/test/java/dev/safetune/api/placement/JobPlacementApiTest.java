package dev.safetune.api.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import dev.safetune.core.model.ModelShape;
import dev.safetune.core.placement.MemoryEstimate;
import dev.safetune.core.placement.TrainingPlan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Job creation places jobs: the estimate from the model's shape is stored with the job, and a job no live worker can
 * hold is refused with the estimate and the largest live worker's capacity.
 */
class JobPlacementApiTest extends ApiServiceTestBase {
    private static final String SHAPED_MODEL = "placement-qwen";
    private static final long GIB = 1L << 30;
    /** Qwen2.5-0.5B's sizes. */
    private static final String QWEN_CONFIG = """
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
             "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
             "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": true,
             "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0}
            """;

    private ApiClient api;
    private String trainingFile;
    private ModelShape shape;

    @BeforeEach
    void modelWorkersAndFile() {
        shape = ModelShape.fromConfig(JsonMapper.builder().build().readTree(QWEN_CONFIG));
        // Registered as the catalogue scan or the importer registers a base model: with its shape.
        jdbc.update(
                "INSERT INTO models (id, kind, storage_path, family, architecture, parameters, context_length, shape)"
                        + " VALUES (?, 'base', '/models/placement-qwen', 'qwen2', 'Qwen2ForCausalLM', ?, 32768,"
                        + " CAST(? AS jsonb))",
                SHAPED_MODEL,
                shape.parameterCount(),
                shape.toJson().toString());
        jdbc.update("DELETE FROM workers");
        api = newTenant();
        trainingFile = api.uploadProcessed(TrainingFiles.valid(10));
    }

    @AfterEach
    void removeModelAndWorkers() {
        // Other test classes share this database and expect only their own base model and no workers.
        jdbc.update("DELETE FROM workers");
        jdbc.update("DELETE FROM models WHERE id = ?", SHAPED_MODEL);
    }

    private void worker(String id, long memoryBytes, String lastSeenAgo) {
        jdbc.update(
                "INSERT INTO workers (id, device, memory_bytes, last_seen_at)"
                        + " VALUES (?, 'cpu', ?, now() - CAST(? AS interval))",
                id,
                memoryBytes,
                lastSeenAgo);
    }

    private Response createJob(int batchSize) {
        return api.post("/v1/fine_tuning/jobs", """
                {"model":"%s","training_file":"%s","hyperparameters":{"batch_size":%d}}""".formatted(SHAPED_MODEL, trainingFile, batchSize));
    }

    private Long storedEstimate(String jobId) {
        return jdbc.queryForObject(
                "SELECT memory_required_bytes FROM fine_tuning_jobs WHERE id = ?", Long.class, jobId);
    }

    @Test
    void jobStoresTheEstimateForItsBatchSizeAndThePlatformSequenceLength() {
        worker("big", 64 * GIB, "1 second");

        Response response = createJob(4);

        assertThat(response.status()).isEqualTo(200);
        // safetune.estimate.max-sequence-length is 256; the worker trains this model with the default adapter.
        long expected = MemoryEstimate.of(shape, TrainingPlan.lora(16, 4, 256)).total();
        assertThat(storedEstimate(response.json().path("id").asString())).isEqualTo(expected);
        assertThat(expected).isGreaterThan(4 * shape.parameterCount());
    }

    @Test
    void jobNoLiveWorkerCanHoldIsRefusedWithTheEstimateAndTheLargestCapacity() {
        worker("small", GIB, "1 second");
        worker("smaller", GIB / 2, "2 seconds");

        Response response = createJob(8);

        assertThat(response.status()).isEqualTo(400);
        JsonNode error = response.error();
        assertThat(error.path("code").asString()).isEqualTo("model_exceeds_worker_capacity");
        assertThat(error.path("param").asString()).isEqualTo("model");
        long estimate = MemoryEstimate.of(shape, TrainingPlan.lora(16, 8, 256)).total();
        assertThat(error.path("message").asString())
                .startsWith("Model 'placement-qwen' needs an estimated ")
                .contains(String.format("(%,d bytes)", estimate))
                .contains("LoRA rank 16, batch size 8, 256 tokens per example")
                .contains("the largest worker has 1.00 GiB (1,073,741,824 bytes)");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM fine_tuning_jobs WHERE organization_id = ?",
                        Integer.class,
                        api.organizationId()))
                .isZero();
    }

    @Test
    void workersNotSeenWithinTheTtlDoNotCount() {
        worker("gone-big", 64 * GIB, "10 minutes");
        worker("live-small", 2 * GIB, "1 second");

        Response response = createJob(8);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("message").asString()).contains("the largest worker has 2.00 GiB");
    }

    @Test
    void withNoLiveWorkerTheJobIsAcceptedAndWaitsWithItsEstimate() {
        worker("gone", GIB, "10 minutes");

        Response response = createJob(8);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("status").asString()).isEqualTo("queued");
        assertThat(storedEstimate(response.json().path("id").asString()))
                .isEqualTo(
                        MemoryEstimate.of(shape, TrainingPlan.lora(16, 8, 256)).total());
    }

    @Test
    void modelWithoutAShapeGetsNoEstimateAndAnyWorkerMayTakeIt() {
        worker("tiny", 1, "1 second");

        String job = api.createJob(BASE_MODEL, trainingFile);

        assertThat(storedEstimate(job)).isNull();
    }

    @Test
    void batchSizeThatFitsIsAcceptedWhereALargerOneIsNot() {
        long batchOne = MemoryEstimate.of(shape, TrainingPlan.lora(16, 1, 256)).total();
        worker("medium", batchOne, "1 second");

        assertThat(createJob(1).status()).isEqualTo(200);
        assertThat(createJob(2).status()).isEqualTo(400);
    }
}

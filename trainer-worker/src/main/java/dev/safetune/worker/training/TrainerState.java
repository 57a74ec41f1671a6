package dev.safetune.worker.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The loop's position and running totals, stored as {@code trainer_state.json} in every checkpoint. Together with
 * the weights (or the LoRA adapter), the optimizer moments and {@link BatchPlan}'s seeded order it determines the
 * rest of the run: no other random state exists (adapter dropout, when on, is seeded from the seed and the step).
 *
 * @param step the last completed step
 * @param firstTrainLoss loss of step 1, so a resumed run can still report it
 * @param metrics the metrics of {@code step}
 */
record TrainerState(
        int step,
        int totalSteps,
        int epoch,
        long seed,
        int batchSize,
        int trainingExamples,
        long trainedTokens,
        double firstTrainLoss,
        StepMetrics metrics) {

    static final String FILE_NAME = "trainer_state.json";
    private static final int FORMAT = 1;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Refuses to continue a run whose batch order would differ from the one that wrote this state. */
    void requireSameRun(BatchPlan plan, Path checkpoint) {
        check("seed", seed, plan.seed(), checkpoint);
        check("batch_size", batchSize, plan.batchSize(), checkpoint);
        check("training_examples", trainingExamples, plan.exampleCount(), checkpoint);
        check("total_steps", totalSteps, plan.totalSteps(), checkpoint);
    }

    void write(Path dir) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("format", FORMAT);
        json.put("step", step);
        json.put("total_steps", totalSteps);
        json.put("epoch", epoch);
        json.put("seed", seed);
        json.put("batch_size", batchSize);
        json.put("training_examples", trainingExamples);
        json.put("trained_tokens", trainedTokens);
        json.put("first_train_loss", firstTrainLoss);
        ObjectNode rng = json.putObject("rng");
        rng.put("batch_order", "java.util.Collections.shuffle(0..n-1, new java.util.Random(seed + epoch))");
        rng.put("epoch_seed", seed + epoch);
        ObjectNode m = json.putObject("metrics");
        m.put("step", metrics.step());
        m.put("total_steps", metrics.totalSteps());
        m.put("epoch", metrics.epoch());
        m.put("train_loss", metrics.trainLoss());
        if (metrics.validLoss() == null) {
            m.putNull("valid_loss");
        } else {
            m.put("valid_loss", metrics.validLoss());
        }
        m.put("tokens_per_second", metrics.tokensPerSecond());
        m.put("step_ms", metrics.stepMillis());
        m.put("tokens_in_step", metrics.tokensInStep());
        m.put("trained_tokens", metrics.trainedTokens());
        m.put("learning_rate", metrics.learningRate());
        m.put("grad_norm", metrics.gradNorm());
        Files.write(
                dir.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    }

    static TrainerState read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " is not a checkpoint: no " + FILE_NAME);
        }
        JsonNode json = JSON.readTree(file);
        if (json.path("format").asInt() != FORMAT) {
            throw new IllegalArgumentException(file + " has unsupported format " + json.path("format"));
        }
        JsonNode m = json.path("metrics");
        JsonNode valid = m.path("valid_loss");
        StepMetrics metrics = new StepMetrics(
                m.path("step").asInt(),
                m.path("total_steps").asInt(),
                m.path("epoch").asInt(),
                m.path("train_loss").asDouble(),
                valid.isNumber() ? valid.doubleValue() : null,
                m.path("tokens_per_second").asDouble(),
                m.path("step_ms").asDouble(),
                m.path("tokens_in_step").asInt(),
                m.path("trained_tokens").asLong(),
                m.path("learning_rate").asDouble(),
                m.path("grad_norm").asDouble());
        return new TrainerState(
                json.path("step").asInt(),
                json.path("total_steps").asInt(),
                json.path("epoch").asInt(),
                json.path("seed").asLong(),
                json.path("batch_size").asInt(),
                json.path("training_examples").asInt(),
                json.path("trained_tokens").asLong(),
                json.path("first_train_loss").asDouble(),
                metrics);
    }

    private static void check(String field, long stored, long requested, Path checkpoint) {
        if (stored != requested) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " belongs to another run: " + field + " "
                    + stored + " there, " + requested + " requested");
        }
    }
}

package dev.safetune.core.job;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The job's {@code hyperparameters} jsonb column, the contract between the API that writes it and the worker that
 * reads it, in one place: OpenAI's names plus the platform's sequence length,
 * {@code {"n_epochs":3,"batch_size":8,"learning_rate_multiplier":1.0,"max_sequence_length":256}}. A key that is
 * absent (rows written before it existed) reads as its default.
 */
public final class HyperparametersJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private HyperparametersJson() {}

    public static String write(Hyperparameters hp) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("n_epochs", hp.nEpochs());
        node.put("batch_size", hp.batchSize());
        node.put("learning_rate_multiplier", hp.learningRateMultiplier());
        node.put("max_sequence_length", hp.maxSequenceLength());
        return MAPPER.writeValueAsString(node);
    }

    public static Hyperparameters read(String json) {
        JsonNode node = MAPPER.readTree(json);
        return new Hyperparameters(
                node.path("n_epochs").asInt(Hyperparameters.DEFAULT_EPOCHS),
                node.path("batch_size").asInt(Hyperparameters.DEFAULT_BATCH_SIZE),
                node.path("learning_rate_multiplier").asDouble(Hyperparameters.DEFAULT_LR_MULTIPLIER),
                node.path("max_sequence_length").asInt(Hyperparameters.DEFAULT_MAX_SEQUENCE_LENGTH));
    }
}

package dev.safetune.api.job;

import dev.safetune.core.job.Hyperparameters;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON stored in the job's jsonb columns. {@code hyperparameters} is a contract with the worker, so its keys are
 * written out here (OpenAI's names) rather than left to the HTTP mapper's naming strategy:
 * {@code {"n_epochs":3,"batch_size":8,"learning_rate_multiplier":1.0}}.
 */
final class JobJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() {};

    private JobJson() {}

    static String writeHyperparameters(Hyperparameters hp) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("n_epochs", hp.nEpochs());
        node.put("batch_size", hp.batchSize());
        node.put("learning_rate_multiplier", hp.learningRateMultiplier());
        return MAPPER.writeValueAsString(node);
    }

    static Hyperparameters readHyperparameters(String json) {
        JsonNode node = MAPPER.readTree(json);
        return new Hyperparameters(
                node.path("n_epochs").asInt(Hyperparameters.DEFAULT_EPOCHS),
                node.path("batch_size").asInt(Hyperparameters.DEFAULT_BATCH_SIZE),
                node.path("learning_rate_multiplier").asDouble(Hyperparameters.DEFAULT_LR_MULTIPLIER));
    }

    static String writeMetadata(Map<String, String> metadata) {
        return metadata == null ? null : MAPPER.writeValueAsString(metadata);
    }

    static Map<String, String> readMetadata(String json) {
        return json == null ? null : MAPPER.readValue(json, STRING_MAP);
    }

    /** A jsonb value as stored (events' data, checkpoints' metrics), passed through to the client unchanged. */
    static JsonNode readTree(String json) {
        return json == null ? null : MAPPER.readTree(json);
    }
}

package dev.safetune.api.job;

import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.job.HyperparametersJson;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON stored in the job's jsonb columns. {@code hyperparameters} is a contract with the worker, so its keys are
 * written by platform-core's {@link HyperparametersJson}, which the worker reads with, rather than left to the HTTP
 * mapper's naming strategy.
 */
final class JobJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() {};

    private JobJson() {}

    static String writeHyperparameters(Hyperparameters hp) {
        return HyperparametersJson.write(hp);
    }

    static Hyperparameters readHyperparameters(String json) {
        return HyperparametersJson.read(json);
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

package dev.safetune.worker.training;

import dev.safetune.safeguards.guard.StepTelemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The safeguards' telemetry of every step so far, stored in each checkpoint as {@value #FILE_NAME} so that the audit
 * and the console can plot a run's task loss, regularizer values and shares, probe KL to the base and persona
 * projection without replaying its events: {@code {"steps": [StepTelemetry.toMap(), …]}}. A resumed run continues the
 * checkpoint's list.
 */
final class SafeguardTelemetryLog {

    static final String FILE_NAME = "safeguard_telemetry.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<JsonNode> steps = new ArrayList<>();

    void add(StepTelemetry telemetry) {
        steps.add(JSON.valueToTree(telemetry.toMap()));
    }

    boolean isEmpty() {
        return steps.isEmpty();
    }

    int size() {
        return steps.size();
    }

    void write(Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("steps");
        steps.forEach(array::add);
        Files.write(
                dir.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    /** The log stored in {@code checkpoint}; empty when it holds none (a run without safeguards). */
    static SafeguardTelemetryLog read(Path checkpoint) throws IOException {
        SafeguardTelemetryLog log = new SafeguardTelemetryLog();
        Path file = checkpoint.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            JSON.readTree(file.toFile()).get("steps").values().forEach(log.steps::add);
        }
        return log;
    }

    /** The stored steps as maps, for tests and readers. */
    List<Map<String, Object>> entries() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode node : steps) {
            out.add(JSON.convertValue(node, Map.class));
        }
        return out;
    }
}

package dev.safetune.api.model;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.web.ListObject;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/models}. (+) {@code sequence_length} and {@code batch_size} choose what the training-memory estimate of
 * each base model is computed for (defaults {@value #DEFAULT_SEQUENCE_LENGTH} and {@value #DEFAULT_BATCH_SIZE}).
 */
@RestController
@RequestMapping("/v1/models")
class ModelController {
    static final int DEFAULT_SEQUENCE_LENGTH = 256;
    static final int DEFAULT_BATCH_SIZE = 8;
    /** Longer than any supported model's context; estimates are capped at the model's context length anyway. */
    static final int MAX_SEQUENCE_LENGTH = 1 << 20;
    /** The bound {@code hyperparameters.batch_size} has. */
    static final int MAX_BATCH_SIZE = 256;

    private final ModelService models;

    ModelController(ModelService models) {
        this.models = models;
    }

    @GetMapping
    ListObject<ModelObject> list(
            Tenant tenant,
            @RequestParam(name = "sequence_length", required = false) String sequenceLength,
            @RequestParam(name = "batch_size", required = false) String batchSize) {
        int length = bounded("sequence_length", sequenceLength, DEFAULT_SEQUENCE_LENGTH, 2, MAX_SEQUENCE_LENGTH);
        int batch = bounded("batch_size", batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE);
        return ListObject.of(models.list(tenant).stream()
                .map(model -> ModelObject.of(model, length, batch))
                .toList());
    }

    @GetMapping("/{id}")
    ModelObject get(
            Tenant tenant,
            @PathVariable String id,
            @RequestParam(name = "sequence_length", required = false) String sequenceLength,
            @RequestParam(name = "batch_size", required = false) String batchSize) {
        int length = bounded("sequence_length", sequenceLength, DEFAULT_SEQUENCE_LENGTH, 2, MAX_SEQUENCE_LENGTH);
        int batch = bounded("batch_size", batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE);
        return ModelObject.of(models.get(tenant, id), length, batch);
    }

    /** A query parameter that must be an integer in {@code [min, max]}, or its default when absent. */
    private static int bounded(String param, String value, int fallback, int min, int max) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // Reported below with the bounds.
        }
        throw new InvalidRequestException(
                param,
                "invalid_value",
                "Invalid '" + param + "': must be an integer from " + min + " to " + max + ", got '" + value + "'.");
    }
}

package dev.safetune.api.job;

import tools.jackson.databind.JsonNode;

/** OpenAI's {@code fine_tuning.job.checkpoint}; {@code metrics} is passed through as the worker stored it. */
public record CheckpointObject(
        String object,
        String id,
        long createdAt,
        String fineTunedModelCheckpoint,
        int stepNumber,
        JsonNode metrics,
        String fineTuningJobId) {}

package dev.safetune.api.job;

import tools.jackson.databind.JsonNode;

/** OpenAI's {@code fine_tuning.job.event}; {@code id} is {@code ftevent-} and the row's sequence number. */
public record JobEventObject(
        String id, String object, long createdAt, String level, String message, String type, JsonNode data) {}

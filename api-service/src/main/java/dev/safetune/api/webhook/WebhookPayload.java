package dev.safetune.api.webhook;

import dev.safetune.api.job.FineTuningJobObject;

/**
 * The body POSTed to an endpoint: {@code {"id","type":"fine_tuning.job.<status>","created_at","data":{job}}}, where
 * {@code data} is the job object as {@code GET /v1/fine_tuning/jobs/{id}} showed it right after the change.
 */
public record WebhookPayload(String id, String type, long createdAt, FineTuningJobObject data) {}

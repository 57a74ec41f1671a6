package dev.safetune.api.webhook;

import dev.safetune.core.job.JobStatus;
import java.util.Arrays;
import java.util.List;

/**
 * The event types an endpoint can subscribe to: {@code fine_tuning.job.<status>} for every stored job status, ours
 * included ({@code auditing}, {@code blocked}, {@code paused}). The database trigger {@code enqueue_job_webhooks}
 * (migration V2) names events the same way.
 */
final class WebhookEventTypes {
    static final String PREFIX = "fine_tuning.job.";
    static final List<String> ALL = Arrays.stream(JobStatus.values())
            .map(status -> PREFIX + status.wireName())
            .toList();

    private WebhookEventTypes() {}
}

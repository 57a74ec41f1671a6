package dev.safetune.api.webhook;

import java.util.List;

/**
 * The body of {@code POST /v1/webhooks}.
 *
 * @param url an absolute http(s) URL that accepts POSTed JSON
 * @param events the event types to receive (see {@link WebhookEventTypes}); absent means all
 */
public record CreateWebhookRequest(String url, List<String> events) {}

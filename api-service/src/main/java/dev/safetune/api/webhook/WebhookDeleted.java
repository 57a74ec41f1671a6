package dev.safetune.api.webhook;

/** The answer to a delete, in OpenAI's style: {@code {"id","object":"webhook_endpoint","deleted":true}}. */
public record WebhookDeleted(String id, String object, boolean deleted) {}

package dev.safetune.api.webhook;

/**
 * (+) One event's delivery to one endpoint.
 *
 * @param status {@code pending} (not yet delivered; retried at {@code next_attempt_at}), {@code delivered}, or
 *     {@code failed} (gave up after the configured attempts)
 * @param lastHttpStatus the endpoint's answer to the latest attempt, null if none came
 * @param lastError why the latest attempt failed, null after success
 */
public record DeliveryObject(
        String id,
        String object,
        String endpointId,
        String eventId,
        String eventType,
        String jobId,
        String status,
        int attempts,
        Integer lastHttpStatus,
        String lastError,
        long createdAt,
        Long nextAttemptAt,
        Long deliveredAt) {
    static final String OBJECT = "webhook.delivery";
    static final String ID_PREFIX = "whdlv-";
}

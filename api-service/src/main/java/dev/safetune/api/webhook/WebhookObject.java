package dev.safetune.api.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * (+) A webhook endpoint. {@code secret} is present only in the answer to its creation, the one time it is shown;
 * {@code events} null means every job event.
 */
public record WebhookObject(
        String id,
        String object,
        String url,
        List<String> events,
        long createdAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {
    static final String OBJECT = "webhook_endpoint";

    WebhookObject withoutSecret() {
        return new WebhookObject(id, object, url, events, createdAt, null);
    }

    @Override
    public String toString() {
        // Records print every component; the secret must never reach a log by accident.
        return "WebhookObject[id=" + id + ", url=" + url + ", events=" + events + ", secret="
                + (secret == null ? "null" : "***") + "]";
    }
}

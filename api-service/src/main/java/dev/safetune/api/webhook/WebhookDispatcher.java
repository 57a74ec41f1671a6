package dev.safetune.api.webhook;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.job.FineTuningJobObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends queued deliveries ({@code webhook_deliveries}, filled by the job status trigger). Any number of API replicas
 * run one each: a claim takes due rows with {@code FOR UPDATE SKIP LOCKED}, counts the attempt and moves
 * {@code next_attempt_at} past the send timeout, all in one short statement, so rows are never held locked during
 * HTTP and a replica that dies mid-send leaves its deliveries to be claimed again when that lease runs out.
 *
 * <p>An attempt succeeds on any 2xx answer. After the n-th failed attempt the next waits
 * {@code min(retry-max, retry-base * 2^(n-1))}; after {@code max-attempts} the delivery is {@code failed}. Results are
 * written only if the row still carries this attempt's number, so a late result cannot overwrite a newer attempt's.
 */
@Component
class WebhookDispatcher implements SchedulingConfigurer, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final int MAX_ERROR_LENGTH = 500;
    /** Claims per poll, so a large backlog cannot keep one poll running forever. */
    private static final int MAX_BATCHES_PER_POLL = 10;

    private final JdbcTemplate jdbc;
    private final JsonMapper json;
    private final DestinationPolicy destinations;
    private final MeterRegistry meters;
    private final SafetuneProperties.Webhooks settings;
    private final HttpClient http;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

    WebhookDispatcher(
            JdbcTemplate jdbc,
            JsonMapper json,
            DestinationPolicy destinations,
            MeterRegistry meters,
            SafetuneProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.destinations = destinations;
        this.meters = meters;
        this.settings = properties.webhooks();
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        Duration interval = settings.pollInterval();
        registrar.addFixedDelayTask(new FixedDelayTask(this::dispatchQuietly, interval, interval));
    }

    /** Claims and sends due deliveries until none are left (or the per-poll bound); returns how many were sent. */
    int dispatch() {
        int sent = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_POLL; batch++) {
            List<Claimed> claimed = claim();
            List<Future<?>> attempts = new ArrayList<>();
            for (Claimed delivery : claimed) {
                attempts.add(senders.submit(() -> attempt(delivery)));
            }
            for (Future<?> attempt : attempts) {
                try {
                    attempt.get();
                } catch (Exception e) {
                    log.warn("A webhook attempt failed unexpectedly: {}", e.toString());
                }
            }
            sent += claimed.size();
            if (claimed.size() < settings.batchSize()) {
                break;
            }
        }
        return sent;
    }

    private record Claimed(
            long id,
            int attempt,
            String url,
            String secret,
            String eventId,
            String eventType,
            Instant eventCreatedAt,
            String job,
            String body) {
        @Override
        public String toString() {
            // Never print the secret, whoever logs this.
            return "Claimed[id=" + id + ", attempt=" + attempt + ", url=" + url + ", event=" + eventId + "]";
        }
    }

    private List<Claimed> claim() {
        long leaseSeconds = settings.timeout().multipliedBy(3).toSeconds() + 5;
        return jdbc.query("""
                WITH due AS (
                    SELECT id FROM webhook_deliveries
                    WHERE status = 'pending' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id
                    LIMIT ?
                    FOR UPDATE SKIP LOCKED)
                UPDATE webhook_deliveries d
                SET attempts = d.attempts + 1, last_attempt_at = now(),
                    next_attempt_at = now() + make_interval(secs => ?)
                FROM due, webhook_endpoints e, webhook_events ev
                WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
                RETURNING d.id, d.attempts, e.url, e.secret, ev.id AS event_id, ev.type, ev.created_at,
                          ev.job::text AS job, ev.body""", WebhookDispatcher::toClaimed, settings.batchSize(), leaseSeconds);
    }

    private static Claimed toClaimed(ResultSet rs, int row) throws SQLException {
        return new Claimed(
                rs.getLong("id"),
                rs.getInt("attempts"),
                rs.getString("url"),
                rs.getString("secret"),
                rs.getString("event_id"),
                rs.getString("type"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("job"),
                rs.getString("body"));
    }

    private void attempt(Claimed delivery) {
        Integer httpStatus = null;
        String error;
        try {
            String body = body(delivery);
            URI url = URI.create(delivery.url());
            Optional<String> refusal = destinations.refusal(url);
            if (refusal.isPresent()) {
                error = "not sent: " + refusal.get();
            } else {
                long now = Instant.now().getEpochSecond();
                HttpRequest request = HttpRequest.newBuilder(url)
                        .timeout(settings.timeout())
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "SafeTune-Webhooks/1")
                        .header(WebhookSignature.EVENT_ID_HEADER, delivery.eventId())
                        .header(WebhookSignature.HEADER, WebhookSignature.header(delivery.secret(), now, body))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                httpStatus = response.statusCode();
                error = httpStatus / 100 == 2 ? null : "HTTP " + httpStatus;
            }
        } catch (IOException | IllegalArgumentException e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted while sending";
        }
        record(delivery, httpStatus, error);
    }

    /** The event's body, rendered once and stored, so every attempt and every endpoint gets the same bytes. */
    private String body(Claimed delivery) {
        if (delivery.body() != null) {
            return delivery.body();
        }
        String rendered = json.writeValueAsString(new WebhookPayload(
                delivery.eventId(),
                delivery.eventType(),
                delivery.eventCreatedAt().getEpochSecond(),
                FineTuningJobObject.ofSnapshot(json.readTree(delivery.job()))));
        return jdbc.queryForObject(
                "UPDATE webhook_events SET body = COALESCE(body, ?) WHERE id = ? RETURNING body",
                String.class,
                rendered,
                delivery.eventId());
    }

    private void record(Claimed delivery, Integer httpStatus, String error) {
        if (error == null) {
            jdbc.update("""
                    UPDATE webhook_deliveries
                    SET status = 'delivered', delivered_at = now(), last_http_status = ?, last_error = NULL
                    WHERE id = ? AND attempts = ? AND status = 'pending'""", httpStatus, delivery.id(), delivery.attempt());
            meters.counter("safetune.webhooks.attempts", "outcome", "delivered").increment();
            return;
        }
        boolean lastAttempt = delivery.attempt() >= settings.maxAttempts();
        jdbc.update(
                """
                UPDATE webhook_deliveries
                SET status = ?, next_attempt_at = now() + make_interval(secs => ?), last_http_status = ?, last_error = ?
                WHERE id = ? AND attempts = ? AND status = 'pending'""",
                lastAttempt ? "failed" : "pending",
                backoff(delivery.attempt()).toMillis() / 1000.0,
                httpStatus,
                error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error,
                delivery.id(),
                delivery.attempt());
        meters.counter("safetune.webhooks.attempts", "outcome", lastAttempt ? "failed" : "retry")
                .increment();
    }

    /** The wait after the {@code attempt}-th failure: {@code min(retry-max, retry-base * 2^(attempt-1))}. */
    Duration backoff(int attempt) {
        Duration wait = settings.retryBase().multipliedBy(1L << Math.min(attempt - 1, 30));
        return wait.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : wait;
    }

    private void dispatchQuietly() {
        try {
            dispatch();
        } catch (RuntimeException e) {
            // Claimed deliveries are retried when their lease runs out.
            log.warn("Dispatching webhooks failed: {}", e.toString());
        }
    }

    @Override
    public void destroy() {
        senders.shutdownNow();
    }
}

package dev.safetune.api.webhook;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.job.FineTuningJobObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>One tenant's slow endpoint must not delay another's: each attempt is bounded as a whole ({@link WebhookSender}),
 * a poll hands attempts to their own virtual threads and does not wait for them, at most
 * {@value #MAX_IN_FLIGHT_PER_ORGANIZATION} attempts of one organisation are in flight at once (its other due
 * deliveries wait, others' go ahead), and at most {@value #MAX_IN_FLIGHT} in all.
 */
@Component
class WebhookDispatcher implements SchedulingConfigurer, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final int MAX_ERROR_LENGTH = 500;
    /** Claims per poll, so a large backlog cannot keep one poll running forever. */
    private static final int MAX_BATCHES_PER_POLL = 10;

    static final int MAX_IN_FLIGHT = 200;
    static final int MAX_IN_FLIGHT_PER_ORGANIZATION = 5;

    private final JdbcTemplate jdbc;
    private final JsonMapper json;
    private final DestinationPolicy destinations;
    private final MeterRegistry meters;
    private final SafetuneProperties.Webhooks settings;
    private final WebhookSender sender = new WebhookSender();
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    /** Attempts in flight per organisation; an organisation at its cap is left out of claims. */
    private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();

    private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);

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
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        Duration interval = settings.pollInterval();
        registrar.addFixedDelayTask(new FixedDelayTask(this::dispatchQuietly, interval, interval));
    }

    /**
     * Claims due deliveries and starts an attempt for each, until none are left (or the per-poll bound); returns how
     * many were started. Attempts finish on their own threads: see {@link #awaitIdle} to wait for them.
     */
    int dispatch() {
        int started = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_POLL; batch++) {
            int free = Math.min(settings.batchSize(), slots.availablePermits());
            if (free == 0) {
                break;
            }
            List<Claimed> claimed = claim(free);
            for (Claimed delivery : claimed) {
                slots.acquireUninterruptibly();
                inFlight.merge(delivery.organizationId(), 1, Integer::sum);
                senders.submit(() -> {
                    try {
                        attempt(delivery);
                    } catch (RuntimeException e) {
                        log.warn("A webhook attempt failed unexpectedly: {}", e.toString());
                    } finally {
                        inFlight.computeIfPresent(delivery.organizationId(), (org, n) -> n == 1 ? null : n - 1);
                        slots.release();
                    }
                });
            }
            started += claimed.size();
            if (claimed.size() < free) {
                break;
            }
        }
        return started;
    }

    /** Waits until no attempt is in flight (tests; shutdown). */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        if (!slots.tryAcquire(MAX_IN_FLIGHT, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        slots.release(MAX_IN_FLIGHT);
        return true;
    }

    private record Claimed(
            long id,
            String organizationId,
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

    /**
     * Claims up to {@code limit} due deliveries, at most {@value #MAX_IN_FLIGHT_PER_ORGANIZATION} per organisation
     * less what it already has in flight here.
     */
    private List<Claimed> claim(int limit) {
        long leaseSeconds = settings.timeout().multipliedBy(3).toSeconds() + 5;
        Map<String, Integer> busy = Map.copyOf(inFlight);
        String busyJson = json.writeValueAsString(busy);
        return jdbc.query(
                """
                WITH ranked AS (
                    SELECT id, organization_id,
                           row_number() OVER (PARTITION BY organization_id ORDER BY next_attempt_at, id) AS n
                    FROM webhook_deliveries
                    WHERE status = 'pending' AND next_attempt_at <= now()),
                due AS (
                    SELECT d.id FROM webhook_deliveries d JOIN ranked r ON r.id = d.id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                      AND r.n <= ? - COALESCE((?::jsonb ->> r.organization_id)::int, 0)
                    ORDER BY d.next_attempt_at, d.id
                    LIMIT ?
                    FOR UPDATE OF d SKIP LOCKED)
                UPDATE webhook_deliveries d
                SET attempts = d.attempts + 1, last_attempt_at = now(),
                    next_attempt_at = now() + make_interval(secs => ?)
                FROM due, webhook_endpoints e, webhook_events ev
                WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
                RETURNING d.id, d.organization_id, d.attempts, e.url, e.secret, ev.id AS event_id, ev.type, ev.created_at,
                          ev.job::text AS job, ev.body""", WebhookDispatcher::toClaimed, MAX_IN_FLIGHT_PER_ORGANIZATION, busyJson, limit, leaseSeconds);
    }

    private static Claimed toClaimed(ResultSet rs, int row) throws SQLException {
        return new Claimed(
                rs.getLong("id"),
                rs.getString("organization_id"),
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
            error = switch (destinations.check(url)) {
                case DestinationPolicy.Destination.Refused refused -> "not sent: " + refused.reason();
                case DestinationPolicy.Destination.Unresolved unresolved -> "not sent: its host name did not resolve";
                case DestinationPolicy.Destination.Allowed allowed -> {
                    long now = Instant.now().getEpochSecond();
                    Map<String, String> headers = new LinkedHashMap<>();
                    headers.put("Content-Type", "application/json");
                    headers.put("User-Agent", "SafeTune-Webhooks/1");
                    headers.put(WebhookSignature.EVENT_ID_HEADER, delivery.eventId());
                    headers.put(WebhookSignature.HEADER, WebhookSignature.header(delivery.secret(), now, body));
                    httpStatus = sender.post(
                            url, allowed.address(), headers, body.getBytes(StandardCharsets.UTF_8), settings.timeout());
                    yield httpStatus / 100 == 2 ? null : "HTTP " + httpStatus;
                }
            };
        } catch (WebhookSender.SendException e) {
            error = e.getMessage();
        } catch (IllegalArgumentException e) {
            error = "not sent: the URL is not valid";
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
        sender.close();
    }
}

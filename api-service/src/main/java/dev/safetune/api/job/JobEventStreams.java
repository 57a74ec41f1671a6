package dev.safetune.api.job;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.api.job.JobEventLog.Position;
import dev.safetune.api.job.JobEventLog.SequencedEvent;
import dev.safetune.core.job.JobStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * (+) Live job events as Server-Sent Events. However many clients are streaming, one poller reads the database every
 * {@code safetune.events.stream-poll-interval}: one query for the statuses of the jobs being streamed and one for
 * their new events, whose rows are then fanned out to each stream. Sending happens on a virtual thread per stream
 * (at most one at a time each, so events stay in order), so a slow client never holds up the others or the poller.
 *
 * <p>A stream ends once its job is terminal and every event is sent. The status is read <em>before</em> the events,
 * so events committed before the terminal status are always in the final batch. Each SSE {@code id:} is the event id,
 * so a client reconnecting with {@code Last-Event-ID} resumes right after the last event it saw.
 */
@Component
class JobEventStreams implements SchedulingConfigurer, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(JobEventStreams.class);
    /** Events per job per poll; a longer backlog is sent over the following polls. */
    static final int EVENTS_PER_POLL = 500;

    private final JdbcTemplate jdbc;
    private final JobEventLog events;
    private final SafetuneProperties.Events settings;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running;

    JobEventStreams(JdbcTemplate jdbc, JobEventLog events, SafetuneProperties properties, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.events = events;
        this.settings = properties.events();
        Gauge.builder("safetune.events.streams", subscriptions, Set::size)
                .description("Open live event streams")
                .register(meters);
    }

    /** Opens a stream of {@code job}'s events after sequence number {@code afterSequence} (0: from the first). */
    SseEmitter open(FineTuningJob job, long afterSequence) {
        SseEmitter emitter = new SseEmitter(settings.streamTimeout().toMillis());
        Subscription subscription = new Subscription(job.id(), job.organizationId(), emitter, afterSequence);
        emitter.onCompletion(() -> subscriptions.remove(subscription));
        emitter.onTimeout(() -> subscriptions.remove(subscription));
        emitter.onError(error -> subscriptions.remove(subscription));
        subscriptions.add(subscription);
        return emitter;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        Duration interval = settings.streamPollInterval();
        registrar.addFixedDelayTask(new FixedDelayTask(this::pollQuietly, interval, interval));
    }

    void poll() {
        List<Subscription> idle = subscriptions.stream()
                .filter(subscription -> !subscription.sending.get())
                .toList();
        if (idle.isEmpty()) {
            return;
        }
        Map<String, Position> positions = new HashMap<>();
        for (Subscription s : idle) {
            positions.merge(
                    s.jobId,
                    new Position(s.jobId, s.organizationId, s.lastSequence),
                    (a, b) -> a.afterSequence() <= b.afterSequence() ? a : b);
        }
        // Statuses first: see the class comment.
        Map<String, JobStatus> statuses = statuses(positions.values());
        Map<String, List<SequencedEvent>> fresh = events.after(new ArrayList<>(positions.values()), EVENTS_PER_POLL);
        long now = System.nanoTime();
        for (Subscription s : idle) {
            List<SequencedEvent> all = fresh.getOrDefault(s.jobId, List.of());
            List<SequencedEvent> unseen =
                    all.stream().filter(e -> e.sequence() > s.lastSequence).toList();
            JobStatus status = statuses.get(s.jobId);
            boolean finished = (status == null || status.isTerminal()) && all.size() < EVENTS_PER_POLL;
            boolean keepAlive = unseen.isEmpty()
                    && now - s.lastWriteNanos > settings.streamKeepAlive().toNanos();
            if ((unseen.isEmpty() && !finished && !keepAlive) || !s.sending.compareAndSet(false, true)) {
                continue;
            }
            senders.execute(() -> send(s, unseen, finished, keepAlive));
        }
    }

    private void send(Subscription s, List<SequencedEvent> batch, boolean finished, boolean keepAlive) {
        try {
            for (SequencedEvent event : batch) {
                s.emitter.send(SseEmitter.event()
                        .id(event.event().id())
                        .name(event.event().type())
                        .data(event.event(), MediaType.APPLICATION_JSON));
                s.lastSequence = event.sequence();
            }
            if (keepAlive) {
                s.emitter.send(SseEmitter.event().comment("keep-alive"));
            }
            s.lastWriteNanos = System.nanoTime();
            if (finished) {
                subscriptions.remove(s);
                s.emitter.complete();
            }
        } catch (IOException | IllegalStateException e) {
            // The client went away (or the stream was already completed); the container reports it to the emitter.
            subscriptions.remove(s);
        } finally {
            s.sending.set(false);
        }
    }

    private Map<String, JobStatus> statuses(Iterable<Position> positions) {
        List<String> jobIds = new ArrayList<>();
        positions.forEach(p -> jobIds.add(p.jobId()));
        Map<String, JobStatus> statuses = new HashMap<>();
        jdbc.query(
                "SELECT id, status FROM fine_tuning_jobs WHERE id = ANY (?::text[])",
                rs -> {
                    statuses.put(rs.getString(1), JobStatus.fromWire(rs.getString(2)));
                },
                (Object) jobIds.toArray(String[]::new));
        return statuses;
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            // Streams stay open; the next poll retries.
            log.warn("Polling job events for {} stream(s) failed: {}", subscriptions.size(), e.toString());
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** Ends every stream before the web server's graceful shutdown, which would otherwise wait for them. */
    @Override
    public void stop() {
        running = false;
        subscriptions.forEach(s -> s.emitter.complete());
        subscriptions.clear();
        senders.shutdown();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private static final class Subscription {
        final String jobId;
        final String organizationId;
        final SseEmitter emitter;
        /** Only one send at a time per stream, so its events go out in order. */
        final AtomicBoolean sending = new AtomicBoolean();

        volatile long lastSequence;
        volatile long lastWriteNanos = System.nanoTime();

        Subscription(String jobId, String organizationId, SseEmitter emitter, long lastSequence) {
            this.jobId = jobId;
            this.organizationId = organizationId;
            this.emitter = emitter;
            this.lastSequence = lastSequence;
        }
    }
}

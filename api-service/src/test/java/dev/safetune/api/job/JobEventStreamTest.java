package dev.safetune.api.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/fine_tuning/jobs/{id}/events} with {@code Accept: text/event-stream}, read by a real HTTP client
 * while the "worker" (plain SQL here) appends events and finishes the job.
 */
class JobEventStreamTest extends ApiServiceTestBase {
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    TransactionTemplate transactions;

    private ApiClient api;
    private String job;

    @BeforeEach
    void aQueuedJob() {
        api = newTenant();
        job = api.createJob(BASE_MODEL, api.uploadProcessed(TrainingFiles.valid(10)));
    }

    @Test
    void streamSendsPastAndNewEventsInOrderAndEndsOnceTheJobHasFinished() {
        assertTimeoutPreemptively(LIMIT, () -> {
            HttpResponse<Stream<String>> response = api.stream(eventsPath(), null);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                    .startsWith("text/event-stream");
            assertThat(response.headers().firstValue("X-Accel-Buffering")).contains("no");
            SseReader stream = new SseReader(response.body());

            assertThat(List.of(stream.next().message(), stream.next().message()))
                    .containsExactly(
                            "Validating training file: " + trainingFileOfJob(),
                            "Files validated, moving job to queued state");

            workerWrites("running", "message", "Fine-tuning job started", null);
            workerWrites(null, "metrics", "Step 1/2: training loss=2.10", "{\"step\":1,\"train_loss\":2.1}");
            SseEvent started = stream.next();
            SseEvent metrics = stream.next();
            assertThat(started.message()).isEqualTo("Fine-tuning job started");
            assertThat(metrics.type()).isEqualTo("metrics");
            assertThat(metrics.data().path("data").path("train_loss").asDouble())
                    .isEqualTo(2.1);

            workerWrites("succeeded", "message", "The job has successfully completed", null);
            assertThat(stream.next().message()).isEqualTo("The job has successfully completed");
            assertThat(stream.next())
                    .as("the stream ends after the terminal status")
                    .isNull();
        });
    }

    @Test
    void eachEventHasItsIdTypeAndTheSameJsonAsTheList() {
        assertTimeoutPreemptively(LIMIT, () -> {
            workerWrites("running", "message", "Fine-tuning job started", null);
            workerWrites("succeeded", "message", "The job has successfully completed", null);

            List<SseEvent> streamed = readAll(api.stream(eventsPath(), null));

            JsonNode listed = api.get(eventsPath() + "?order=asc").json().path("data");
            assertThat(streamed).hasSize(listed.size());
            for (int i = 0; i < streamed.size(); i++) {
                assertThat(streamed.get(i).id())
                        .isEqualTo(listed.get(i).path("id").asString());
                assertThat(streamed.get(i).type())
                        .isEqualTo(listed.get(i).path("type").asString());
                assertThat(streamed.get(i).data()).isEqualTo(listed.get(i));
            }
        });
    }

    @Test
    void reconnectingWithLastEventIdResumesRightAfterThatEvent() {
        assertTimeoutPreemptively(LIMIT, () -> {
            workerWrites("running", "message", "Fine-tuning job started", null);
            workerWrites("succeeded", "message", "The job has successfully completed", null);
            List<SseEvent> all = readAll(api.stream(eventsPath(), null));

            List<SseEvent> resumed = readAll(api.stream(eventsPath(), all.get(1).id()));

            assertThat(resumed).extracting(SseEvent::id).containsExactlyElementsOf(ids(all.subList(2, all.size())));
            assertThat(resumed)
                    .extracting(SseEvent::message)
                    .containsExactly("Fine-tuning job started", "The job has successfully completed");
        });
    }

    @Test
    void anotherTenantCannotStreamTheJob() {
        Response response = newTenant().get(eventsPath(), Map.of("Accept", "text/event-stream"));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.error().path("message").asString()).contains(job);
    }

    @Test
    void aMalformedLastEventIdIsRejectedNamingIt() {
        Response response = api.get(eventsPath(), Map.of("Accept", "text/event-stream", "Last-Event-ID", "evt-nope"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("Last-Event-ID");
    }

    @Test
    void clientsAcceptingAnythingStillGetTheJsonList() {
        Response response = api.get(eventsPath(), Map.of("Accept", "*/*"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("object").asString()).isEqualTo("list");
    }

    @Test
    void metricsAResumedAttemptTrainedAgainAreHiddenUnlessAskedForAndEveryWorkerEventNamesItsAttempt() {
        assertTimeoutPreemptively(LIMIT, () -> {
            attemptWrites(1, false, "metrics", "Step 1/6", "{\"step\":1,\"trained_tokens\":10}");
            attemptWrites(1, false, "metrics", "Step 3/6", "{\"step\":3,\"trained_tokens\":30}");
            attemptWrites(1, true, "metrics", "Step 4/6", "{\"step\":4,\"trained_tokens\":40}");
            attemptWrites(1, true, "metrics", "Step 5/6", "{\"step\":5,\"trained_tokens\":50}");
            attemptWrites(2, false, "message", "Resuming from checkpoint at step 3", "{\"resumed_from_step\":3}");
            attemptWrites(2, false, "metrics", "Step 4/6", "{\"step\":4,\"trained_tokens\":40}");
            attemptWrites(2, false, "metrics", "Step 6/6", "{\"step\":6,\"trained_tokens\":60}");
            workerWrites("succeeded", "message", "The job has successfully completed", null);

            JsonNode listed = api.get(eventsPath() + "?order=asc").json().path("data");
            List<String> series = metricsOf(listed.valueStream().toList());
            assertThat(series).containsExactly("1@1", "3@1", "4@2", "6@2");
            JsonNode resume = listed.valueStream()
                    .filter(e -> e.path("message").asString().startsWith("Resuming"))
                    .findFirst()
                    .orElseThrow();
            assertThat(resume.path("data").path("attempt").asInt()).isEqualTo(2);
            assertThat(resume.path("data").path("resumed_from_step").asInt()).isEqualTo(3);
            assertThat(listed.get(0).path("data").isNull())
                    .as("the API's own events belong to no attempt")
                    .isTrue();

            JsonNode all = api.get(eventsPath() + "?order=asc&include_superseded=true")
                    .json()
                    .path("data");
            assertThat(metricsOf(all.valueStream().toList())).containsExactly("1@1", "3@1", "4@1", "5@1", "4@2", "6@2");
            assertThat(all.valueStream()
                            .filter(e -> e.path("data").path("superseded").asBoolean())
                            .map(e -> e.path("data").path("step").asInt()))
                    .containsExactly(4, 5);

            List<JsonNode> streamed = readAll(api.stream(eventsPath(), null)).stream()
                    .map(SseEvent::data)
                    .toList();
            assertThat(metricsOf(streamed)).isEqualTo(series);
        });
    }

    /** Each metrics event as {@code step@attempt}, in order. */
    private static List<String> metricsOf(List<JsonNode> events) {
        return events.stream()
                .filter(e -> "metrics".equals(e.path("type").asString()))
                .map(e -> e.path("data").path("step").asInt() + "@"
                        + e.path("data").path("attempt").asInt())
                .toList();
    }

    private void attemptWrites(int attempt, boolean superseded, String type, String message, String data) {
        jdbc.update(
                "INSERT INTO job_events (job_id, organization_id, level, type, message, data, attempt, superseded)"
                        + " VALUES (?, ?, 'info', ?, ?, ?::jsonb, ?, ?)",
                job,
                api.organizationId(),
                type,
                message,
                data,
                attempt,
                superseded);
    }

    private String eventsPath() {
        return "/v1/fine_tuning/jobs/" + job + "/events";
    }

    private String trainingFileOfJob() {
        return jdbc.queryForObject("SELECT training_file FROM fine_tuning_jobs WHERE id = ?", String.class, job);
    }

    /** What a worker does: append an event and, when given, move the job to {@code status}, in one transaction. */
    private void workerWrites(String status, String type, String message, String data) {
        transactions.executeWithoutResult(tx -> {
            jdbc.update(
                    "INSERT INTO job_events (job_id, organization_id, level, type, message, data)"
                            + " VALUES (?, ?, 'info', ?, ?, ?::jsonb)",
                    job,
                    api.organizationId(),
                    type,
                    message,
                    data);
            if (status != null) {
                jdbc.update(
                        "UPDATE fine_tuning_jobs SET status = ?, finished_at = CASE WHEN ? IN ('succeeded', 'failed',"
                                + " 'cancelled') THEN now() END WHERE id = ?",
                        status,
                        status,
                        job);
            }
        });
    }

    private static List<SseEvent> readAll(HttpResponse<Stream<String>> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        SseReader reader = new SseReader(response.body());
        List<SseEvent> events = new ArrayList<>();
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            events.add(event);
        }
        return events;
    }

    private static List<String> ids(List<SseEvent> events) {
        return events.stream().map(SseEvent::id).toList();
    }

    record SseEvent(String id, String type, JsonNode data) {
        String message() {
            return data.path("message").asString();
        }
    }

    /** Parses the text/event-stream format: fields until a blank line; comments (":") are skipped. */
    static final class SseReader {
        private final Iterator<String> lines;

        SseReader(Stream<String> lines) {
            this.lines = lines.iterator();
        }

        /** The next event, blocking until it arrives; null when the server ended the stream. */
        SseEvent next() {
            String id = null;
            String type = null;
            StringBuilder data = null;
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.isEmpty()) {
                    if (data != null) {
                        return new SseEvent(id, type, JSON.readTree(data.toString()));
                    }
                    continue;
                }
                if (line.startsWith(":")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
                switch (field) {
                    case "id" -> id = value;
                    case "event" -> type = value;
                    case "data" ->
                        data = data == null
                                ? new StringBuilder(value)
                                : data.append('\n').append(value);
                    default -> {}
                }
            }
            return null;
        }
    }
}

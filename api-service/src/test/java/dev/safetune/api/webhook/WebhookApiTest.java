package dev.safetune.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import dev.safetune.api.webhook.WebhookReceiver.Received;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Webhooks end to end: a tenant registers a local HTTP server, job status changes (by the API or by "worker" SQL)
 * reach it signed, and failures are retried. Tests run with retry-base 200ms and max-attempts 3 (see
 * {@link ApiServiceTestBase}).
 */
class WebhookApiTest extends ApiServiceTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ApiClient api;
    private String trainingFile;

    @BeforeEach
    void newTenantWithATrainingFile() {
        api = newTenant();
        trainingFile = api.uploadProcessed(TrainingFiles.valid(10));
    }

    @Test
    void theSecretIsShownOnlyAtCreation() {
        JsonNode created = register("http://127.0.0.1:9/hooks", null);

        assertThat(created.path("id").asString()).startsWith("wh-");
        assertThat(created.path("object").asString()).isEqualTo("webhook_endpoint");
        assertThat(created.path("secret").asString()).startsWith("whsec_").hasSize(38);
        assertThat(created.path("events").isNull()).isTrue();
        JsonNode fetched =
                api.get("/v1/webhooks/" + created.path("id").asString()).json();
        JsonNode listed = api.get("/v1/webhooks").json().path("data").get(0);
        assertThat(fetched.has("secret")).isFalse();
        assertThat(listed.has("secret")).isFalse();
        assertThat(listed.path("url").asString()).isEqualTo("http://127.0.0.1:9/hooks");
    }

    @Test
    void aStatusChangeIsDeliveredSignedAndAFailedAttemptIsRetried() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(500)) {
            JsonNode endpoint = register(receiver.url(), "[\"fine_tuning.job.cancelled\"]");
            String job = api.createJob(BASE_MODEL, trainingFile);

            api.post("/v1/fine_tuning/jobs/" + job + "/cancel");

            Received refused = receiver.next(WAIT);
            Received accepted = receiver.next(WAIT);
            assertThat(refused).isNotNull();
            assertThat(accepted).isNotNull();
            assertThat(accepted.eventId()).isEqualTo(refused.eventId()).startsWith("whevt-");
            assertThat(accepted.body()).isEqualTo(refused.body());
            assertThat(accepted.contentType()).isEqualTo("application/json");
            assertSignedWith(endpoint.path("secret").asString(), accepted);
            JsonNode payload = JSON.readTree(accepted.body());
            assertThat(payload.path("id").asString()).isEqualTo(accepted.eventId());
            assertThat(payload.path("type").asString()).isEqualTo("fine_tuning.job.cancelled");
            assertThat(payload.path("created_at").asLong()).isPositive();
            assertThat(payload.path("data").path("object").asString()).isEqualTo("fine_tuning.job");
            assertThat(payload.path("data").path("id").asString()).isEqualTo(job);
            assertThat(payload.path("data").path("status").asString()).isEqualTo("cancelled");
            assertThat(payload.path("data")
                            .path("hyperparameters")
                            .path("n_epochs")
                            .asInt())
                    .isEqualTo(3);

            JsonNode delivery =
                    awaitDelivery(endpoint, d -> d.path("status").asString().equals("delivered"));
            assertThat(delivery.path("id").asString()).startsWith("whdlv-");
            assertThat(delivery.path("event_id").asString()).isEqualTo(accepted.eventId());
            assertThat(delivery.path("event_type").asString()).isEqualTo("fine_tuning.job.cancelled");
            assertThat(delivery.path("job_id").asString()).isEqualTo(job);
            assertThat(delivery.path("attempts").asInt()).isEqualTo(2);
            assertThat(delivery.path("last_http_status").asInt()).isEqualTo(200);
            assertThat(delivery.path("last_error").isNull()).isTrue();
            assertThat(delivery.path("delivered_at").asLong()).isPositive();
        }
    }

    @Test
    void statusChangesWrittenByTheWorkerAreDeliveredToo() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            register(receiver.url(), "[\"fine_tuning.job.running\"]");
            String job = api.createJob(BASE_MODEL, trainingFile);

            jdbc.update("UPDATE fine_tuning_jobs SET status = 'running', started_at = now() WHERE id = ?", job);

            JsonNode payload = JSON.readTree(receiver.next(WAIT).body());
            assertThat(payload.path("type").asString()).isEqualTo("fine_tuning.job.running");
            assertThat(payload.path("data").path("status").asString()).isEqualTo("running");
            assertThat(receiver.next(Duration.ofMillis(500)))
                    .as("only the subscribed event")
                    .isNull();
        }
    }

    @Test
    void anEndpointWithoutAnEventFilterReceivesEveryStatusChange() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            register(receiver.url(), null);

            api.createJob(BASE_MODEL, trainingFile);

            java.util.Set<String> types = new java.util.HashSet<>();
            types.add(JSON.readTree(receiver.next(WAIT).body()).path("type").asString());
            types.add(JSON.readTree(receiver.next(WAIT).body()).path("type").asString());
            assertThat(types).containsExactlyInAnyOrder("fine_tuning.job.validating_files", "fine_tuning.job.queued");
        }
    }

    @Test
    void aDeliveryThatKeepsFailingIsMarkedFailedAfterTheLastAttempt() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(500, 503, 500)) {
            JsonNode endpoint = register(receiver.url(), "[\"fine_tuning.job.cancelled\"]");
            String job = api.createJob(BASE_MODEL, trainingFile);
            api.post("/v1/fine_tuning/jobs/" + job + "/cancel");

            JsonNode delivery =
                    awaitDelivery(endpoint, d -> d.path("status").asString().equals("failed"));

            assertThat(delivery.path("attempts").asInt()).isEqualTo(3);
            assertThat(delivery.path("last_http_status").asInt()).isEqualTo(500);
            assertThat(delivery.path("last_error").asString()).isEqualTo("HTTP 500");
            assertThat(delivery.path("delivered_at").isNull()).isTrue();
        }
    }

    /**
     * Tenant A's endpoint answers its headers and then trickles its body forever. Its attempt fails at the 2 s bound
     * (the test timeout), and tenant B's delivery goes out meanwhile, not after A's attempt.
     */
    @Test
    void aSlowEndpointFailsWithinTheBoundAndDoesNotHoldUpAnotherTenant() throws Exception {
        HttpServer trickling = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        trickling.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        java.util.concurrent.CountDownLatch stalled = new java.util.concurrent.CountDownLatch(1);
        trickling.createContext("/hooks", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            stalled.countDown();
            WebhookSenderTest.trickle(exchange.getResponseBody());
        });
        trickling.start();
        ApiClient other = newTenant();
        String otherFile = other.uploadProcessed(TrainingFiles.valid(10));
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            JsonNode slow = register(
                    "http://127.0.0.1:" + trickling.getAddress().getPort() + "/hooks",
                    "[\"fine_tuning.job.cancelled\"]");
            register(other, receiver.url(), "[\"fine_tuning.job.cancelled\"]");
            String slowJob = api.createJob(BASE_MODEL, trainingFile);
            String otherJob = other.createJob(BASE_MODEL, otherFile);

            api.post("/v1/fine_tuning/jobs/" + slowJob + "/cancel");
            assertThat(stalled.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
            long sentAt = System.nanoTime();
            other.post("/v1/fine_tuning/jobs/" + otherJob + "/cancel");

            Received delivered = receiver.next(WAIT);
            long waitedMillis = (System.nanoTime() - sentAt) / 1_000_000;
            assertThat(delivered).isNotNull();
            assertThat(JSON.readTree(delivered.body()).path("data").path("id").asString())
                    .isEqualTo(otherJob);
            assertThat(waitedMillis)
                    .as("B's delivery did not wait for A's attempt")
                    .isLessThan(1500);
            JsonNode failed = awaitDelivery(slow, d -> !d.path("last_error").isNull());
            assertThat(failed.path("last_error").asString()).isEqualTo("no complete response within 2000 ms");
        } finally {
            trickling.stop(0);
        }
    }

    @Test
    void aDeletedEndpointIsGoneAndGetsNothingMore() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String id = register(receiver.url(), null).path("id").asString();

            Response deleted = api.delete("/v1/webhooks/" + id);
            api.createJob(BASE_MODEL, trainingFile);

            assertThat(deleted.status()).isEqualTo(200);
            assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
            assertThat(api.get("/v1/webhooks/" + id).status()).isEqualTo(404);
            assertThat(receiver.next(Duration.ofMillis(700))).isNull();
        }
    }

    @Test
    void anotherTenantsEndpointIsNotFound() {
        String id = register("http://127.0.0.1:9/hooks", null).path("id").asString();
        ApiClient other = newTenant();

        assertThat(other.get("/v1/webhooks/" + id).status()).isEqualTo(404);
        assertThat(other.get("/v1/webhooks/" + id + "/deliveries").status()).isEqualTo(404);
        assertThat(other.delete("/v1/webhooks/" + id).status()).isEqualTo(404);
        assertThat(other.get("/v1/webhooks").json().path("data").size()).isZero();
    }

    @Test
    void aUrlThatIsNotHttpIsRejectedNamingUrl() {
        Response response = api.post("/v1/webhooks", "{\"url\":\"ftp://example.com/hooks\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("url");
        assertThat(response.error().path("code").asString()).isEqualTo("invalid_url");
    }

    @Test
    void anUnknownEventTypeIsRejectedNamingEvents() {
        Response response =
                api.post("/v1/webhooks", "{\"url\":\"https://example.com/hooks\",\"events\":[\"job.done\"]}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("events");
        assertThat(response.error().path("message").asString()).contains("fine_tuning.job.succeeded");
    }

    private JsonNode register(String url, String eventsJson) {
        return register(api, url, eventsJson);
    }

    private static JsonNode register(ApiClient tenant, String url, String eventsJson) {
        String body = "{\"url\":\"" + url + "\"" + (eventsJson == null ? "" : ",\"events\":" + eventsJson) + "}";
        Response response = tenant.post("/v1/webhooks", body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    /** Polls the deliveries list until its newest delivery satisfies {@code done}. */
    private JsonNode awaitDelivery(JsonNode endpoint, Predicate<JsonNode> done) throws InterruptedException {
        return awaitDelivery(api, endpoint, done);
    }

    private static JsonNode awaitDelivery(ApiClient tenant, JsonNode endpoint, Predicate<JsonNode> done)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        String path = "/v1/webhooks/" + endpoint.path("id").asString() + "/deliveries";
        while (true) {
            JsonNode newest = tenant.get(path).json().path("data").get(0);
            if (newest != null && done.test(newest)) {
                return newest;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("delivery not done in time: " + newest);
            }
            Thread.sleep(50);
        }
    }

    /** Verifies the signature as a customer would: HMAC-SHA256 with the secret over "{t}.{body}". */
    private static void assertSignedWith(String secret, Received delivery) throws Exception {
        String[] parts = delivery.signature().split(",");
        assertThat(parts).hasSize(2);
        assertThat(parts[0]).startsWith("t=");
        assertThat(parts[1]).startsWith("v1=");
        long timestamp = Long.parseLong(parts[0].substring(2));
        assertThat(timestamp).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(
                secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = java.util.HexFormat.of()
                .formatHex(mac.doFinal(
                        (timestamp + "." + delivery.body()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(parts[1].substring(3)).isEqualTo(expected);
    }
}

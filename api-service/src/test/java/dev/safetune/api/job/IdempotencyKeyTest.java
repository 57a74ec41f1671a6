package dev.safetune.api.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** {@code Idempotency-Key} on {@code POST /v1/fine_tuning/jobs}. */
class IdempotencyKeyTest extends ApiServiceTestBase {
    private ApiClient api;
    private String body;

    @BeforeEach
    void newTenantWithARequest() {
        api = newTenant();
        body = "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"suffix\":\"retry\"}"
                .formatted(api.uploadProcessed(TrainingFiles.valid(10)));
    }

    @Test
    void aRetryWithTheSameKeyAndBodyReturnsTheSameJobWithoutCreatingOrAnnouncingAnother() throws Exception {
        try (Connection worker = DriverManager.getConnection(DATABASE.jdbcUrl());
                Statement listen = worker.createStatement()) {
            listen.execute("LISTEN safetune_jobs");

            Response first = api.post("/v1/fine_tuning/jobs", body, Map.of("Idempotency-Key", "k-1"));
            // Same request, keys in another order and other whitespace.
            Response retry = api.post(
                    "/v1/fine_tuning/jobs",
                    body.replace("{\"model\":\"tiny-base\",", "{ ").replace("}", ", \"model\": \"tiny-base\"}"),
                    Map.of("Idempotency-Key", "k-1"));

            assertThat(first.status()).isEqualTo(200);
            assertThat(retry.status()).isEqualTo(200);
            String job = first.json().path("id").asString();
            assertThat(retry.json().path("id").asString()).isEqualTo(job);
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(jobCount()).isEqualTo(1);
            assertThat(notificationsFor(job, worker)).isEqualTo(1);
        }
    }

    @Test
    void reusingAKeyForADifferentBodyIsAConflict() {
        api.post("/v1/fine_tuning/jobs", body, Map.of("Idempotency-Key", "k-2"));

        Response reused = api.post(
                "/v1/fine_tuning/jobs", body.replace("\"retry\"", "\"other\""), Map.of("Idempotency-Key", "k-2"));

        assertThat(reused.status()).isEqualTo(409);
        assertThat(reused.error().path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(reused.error().path("code").asString()).isEqualTo("idempotency_key_reused");
        assertThat(jobCount()).isEqualTo(1);
    }

    @Test
    void keysBelongToTheirOrganization() {
        ApiClient other = newTenant();
        String otherBody = "{\"model\":\"tiny-base\",\"training_file\":\"%s\",\"suffix\":\"retry\"}"
                .formatted(other.uploadProcessed(TrainingFiles.valid(10)));

        Response mine = api.post("/v1/fine_tuning/jobs", body, Map.of("Idempotency-Key", "shared"));
        Response theirs = other.post("/v1/fine_tuning/jobs", otherBody, Map.of("Idempotency-Key", "shared"));

        assertThat(mine.status()).isEqualTo(200);
        assertThat(theirs.status()).isEqualTo(200);
        assertThat(theirs.json().path("id").asString())
                .isNotEqualTo(mine.json().path("id").asString());
    }

    @Test
    void aRequestThatWasRefusedDoesNotUseUpItsKey() {
        Response refused =
                api.post("/v1/fine_tuning/jobs", body.replace("tiny-base", "gpt-9"), Map.of("Idempotency-Key", "k-3"));

        Response corrected = api.post("/v1/fine_tuning/jobs", body, Map.of("Idempotency-Key", "k-3"));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(corrected.status()).isEqualTo(200);
        assertThat(jobCount()).isEqualTo(1);
    }

    @Test
    void aKeyOlderThanADayNoLongerCounts() {
        String first = api.post("/v1/fine_tuning/jobs", body, Map.of("Idempotency-Key", "k-4"))
                .json()
                .path("id")
                .asString();
        jdbc.update(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE organization_id = ?",
                api.organizationId());

        Response later = api.post("/v1/fine_tuning/jobs", body, Map.of("Idempotency-Key", "k-4"));

        assertThat(later.status()).isEqualTo(200);
        assertThat(later.json().path("id").asString()).isNotEqualTo(first);
        assertThat(jobCount()).isEqualTo(2);
    }

    private int jobCount() {
        return jdbc.queryForObject(
                "SELECT count(*) FROM fine_tuning_jobs WHERE organization_id = ?", Integer.class, api.organizationId());
    }

    private static int notificationsFor(String job, Connection worker) throws Exception {
        List<String> payloads = new ArrayList<>();
        // Notifications of committed transactions are already there; wait briefly for stragglers.
        for (int i = 0; i < 3; i++) {
            PGNotification[] received = worker.unwrap(PGConnection.class).getNotifications(200);
            for (PGNotification notification : received == null ? new PGNotification[0] : received) {
                payloads.add(notification.getParameter());
            }
        }
        return (int) payloads.stream().filter(job::equals).count();
    }
}

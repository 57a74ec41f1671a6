package dev.safetune.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ErrorRenderingTest extends ApiServiceTestBase {

    @Test
    void unknownV1RouteIsNotFoundInOpenAiShape() {
        Response response = newTenant().get("/v1/assistants");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/json");
        JsonNode error = response.error();
        assertThat(error.path("message").asString()).isEqualTo("Invalid URL (GET /v1/assistants).");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
    }

    @Test
    void wrongMethodOnAV1RouteIsMethodNotAllowedInOpenAiShape() {
        Response response = newTenant().delete("/v1/models");

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.error().path("code").asString()).isEqualTo("method_not_allowed");
    }

    @Test
    void errorOutsideV1IsAProblemDetail() {
        Response response = new ApiClient(port, null, null).get("/no-such-page");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().path("status").asInt()).isEqualTo(404);
        assertThat(response.json().path("title").asString()).isEqualTo("Not Found");
    }

    @Test
    void prometheusMetricsAreServedToAnAdminKey() {
        ApiClient api = newTenant();
        api.uploadProcessed(dev.safetune.api.TrainingFiles.valid(10));

        Response response = newKeyWithRole("admin").get("/actuator/prometheus");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text())
                // Every meter carries the common tag application=api-service (management.metrics.tags).
                .contains("safetune_jobs{application=\"api-service\",status=\"queued\"}")
                .contains("safetune_files_uploaded_total{application=\"api-service\",status=\"processed\"}")
                .contains("safetune_files_uploaded_bytes_total");
    }

    /** Metrics name every model and count every tenant's jobs: not for anonymous callers, nor for customers. */
    @Test
    void prometheusMetricsNeedAnAdminKey() {
        Response anonymous = anonymous().get("/actuator/prometheus");
        Response member = newTenant().get("/actuator/prometheus");
        Response safety = newKeyWithRole("safety").get("/actuator/prometheus");

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.contentType()).startsWith("application/problem+json");
        assertThat(anonymous.text()).doesNotContain("safetune_jobs");
        assertThat(member.status()).isEqualTo(403);
        assertThat(member.json().path("detail").asString())
                .isEqualTo("This endpoint needs an API key with role admin; this key's role is member.");
        assertThat(safety.status()).isEqualTo(403);
        assertThat(anonymous().get("/actuator").status()).isEqualTo(401);
    }

    @Test
    void healthIsServedWithoutAKey() {
        Response response = anonymous().get("/actuator/health");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("status").asString()).isEqualTo("UP");
    }
}

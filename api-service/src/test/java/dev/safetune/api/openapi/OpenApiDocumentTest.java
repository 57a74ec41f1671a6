package dev.safetune.api.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/** The OpenAPI document at /v1/openapi.json, generated from the code. */
class OpenApiDocumentTest extends ApiServiceTestBase {
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping handlerMapping;

    @Test
    void theDocumentIsServedWithoutAKeyAndDeclaresBearerAuth() {
        Response response = anonymous().get("/v1/openapi.json");

        assertThat(response.status()).isEqualTo(200);
        JsonNode document = response.json();
        assertThat(document.path("openapi").asString()).startsWith("3.");
        JsonNode scheme = document.path("components").path("securitySchemes").path(OpenApiConfig.BEARER);
        assertThat(scheme.path("type").asString()).isEqualTo("http");
        assertThat(scheme.path("scheme").asString()).isEqualTo("bearer");
        assertThat(document.path("security").get(0).has(OpenApiConfig.BEARER)).isTrue();
    }

    @Test
    void everyV1HandlerIsInTheDocument() {
        JsonNode paths = anonymous().get("/v1/openapi.json").json().path("paths");
        List<String> operations = new ArrayList<>();
        handlerMapping.getHandlerMethods().forEach((info, handler) -> {
            if (handler.getBeanType().getPackageName().startsWith("org.springdoc")) {
                return; // the document's own endpoint
            }
            for (String path : info.getPatternValues()) {
                if (!path.startsWith("/v1/")) {
                    continue;
                }
                assertThat(info.getMethodsCondition().getMethods())
                        .as("every /v1 handler names its method: " + path)
                        .isNotEmpty();
                info.getMethodsCondition()
                        .getMethods()
                        .forEach(method -> operations.add(method.name().toLowerCase(Locale.ROOT) + " " + path));
            }
        });

        assertThat(operations)
                .as("the API's operations were found")
                .contains(
                        "post /v1/files",
                        "post /v1/files/{id}/validate",
                        "get /v1/fine_tuning/jobs/{id}/events",
                        "post /v1/webhooks",
                        "get /v1/webhooks/{id}/deliveries");
        for (String operation : operations) {
            String[] methodAndPath = operation.split(" ", 2);
            assertThat(paths.path(methodAndPath[1]).has(methodAndPath[0]))
                    .as("%s is documented", operation)
                    .isTrue();
        }
    }

    @Test
    void schemasUseTheWireNamesAndHideTheTenant() {
        JsonNode document = anonymous().get("/v1/openapi.json").json();

        JsonNode job = document.path("components").path("schemas").path("FineTuningJobObject");
        assertThat(job.path("properties").has("fine_tuned_model")).isTrue();
        assertThat(job.path("properties").has("fineTunedModel")).isFalse();
        JsonNode create = document.path("paths").path("/v1/fine_tuning/jobs").path("post");
        assertThat(create.path("parameters")
                        .valueStream()
                        .map(p -> p.path("name").asString()))
                .containsExactly("Idempotency-Key");
    }

    @Test
    void theEventsOperationOffersJsonAndAnEventStream() {
        JsonNode content = anonymous()
                .get("/v1/openapi.json")
                .json()
                .path("paths")
                .path("/v1/fine_tuning/jobs/{id}/events")
                .path("get")
                .path("responses")
                .path("200")
                .path("content");

        assertThat(content.propertyNames()).containsExactlyInAnyOrder("application/json", "text/event-stream");
        assertThat(content.path("text/event-stream").path("schema").path("type").asString())
                .isEqualTo("string");
    }
}

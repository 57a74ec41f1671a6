package dev.safetune.api.openapi;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.OpenAiError;
import dev.safetune.api.web.ApiPaths;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document of the public API, generated from the controllers by springdoc and served without a key at
 * {@value ApiPaths#OPENAPI_DOCUMENT} (set in {@code api-service.yml}). It declares bearer auth for every operation and
 * OpenAI's error body for error answers.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    static final String BEARER = "bearer";

    OpenApiConfig() {
        SpringDocUtils.getConfig()
                // Resolved from the API key, never sent by clients.
                .addRequestWrapperToIgnore(Tenant.class)
                // Free-form JSON values (metrics, "auto" or a number, metadata): any JSON, not JsonNode's getters.
                .replaceWithSchema(JsonNode.class, new Schema<>().description("Any JSON value"))
                // The live variant of the events list: one SSE event per job event.
                .replaceWithSchema(
                        SseEmitter.class,
                        new StringSchema()
                                .description("Server-Sent Events: for each job event, id: its id, event: its type,"
                                        + " data: the event object as in the list. Ends after the job has finished."));
    }

    @Bean
    OpenAPI safetuneOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("SafeTune API")
                        .version("v1")
                        .description("OpenAI-compatible fine-tuning API, with SafeTune's additions: dry runs with"
                                + " cost and duration estimates, live event streams, webhooks and idempotent job"
                                + " creation."))
                .components(new Components()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description("An API key: Authorization: Bearer sk-st-...")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    /**
     * Property names as the API writes them. springdoc reads schemas through swagger-core's own (Jackson 2) mapper,
     * which does not know Spring's {@code spring.jackson.property-naming-strategy}.
     */
    @Bean
    ModelResolver snakeCaseModelResolver() {
        return new ModelResolver(Json.mapper().copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));
    }

    /** Every operation can fail with OpenAI's error body; document it once as the default answer. */
    @Bean
    OpenApiCustomizer openAiErrorResponses() {
        return openApi -> {
            var schemas = ModelConverters.getInstance().readAll(OpenAiError.class);
            schemas.forEach(openApi.getComponents()::addSchemas);
            ApiResponse error = new ApiResponse()
                    .description("An error, in OpenAI's shape")
                    .content(new Content()
                            .addMediaType(
                                    "application/json",
                                    new MediaType()
                                            .schema(new Schema<>()
                                                    .$ref("#/components/schemas/"
                                                            + OpenAiError.class.getSimpleName()))));
            openApi.getPaths()
                    .values()
                    .forEach(path -> path.readOperations()
                            .forEach(operation -> operation.getResponses().putIfAbsent("default", error)));
        };
    }
}

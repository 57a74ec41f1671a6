package dev.safetune.api.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceApplication;
import dev.safetune.api.TrainingFiles;
import dev.safetune.api.auth.ApiKeyService;
import dev.safetune.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/** Uploads over the configured size are refused with 413 and nothing of them is kept. */
class UploadLimitTest {
    @TempDir
    Path artifacts;

    @Test
    void uploadOverTheSizeLimitIsRefusedWith413() throws java.io.IOException {
        try (TestDatabase database = TestDatabase.create();
                ConfigurableApplicationContext app = ApiServiceApplication.start(Map.of(
                        "server.port",
                        0,
                        "spring.datasource.url",
                        database.jdbcUrl(),
                        "safetune.artifacts-dir",
                        artifacts,
                        "safetune.max-upload-size",
                        "4KB"))) {
            ApiKeyService apiKeys = app.getBean(ApiKeyService.class);
            String organization = apiKeys.createOrganization("Limits").id();
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            ApiClient api = new ApiClient(
                    port, apiKeys.createKey(organization, "k", "member").key(), organization);

            Response response =
                    api.upload("big.jsonl", TrainingFiles.valid(60).getBytes(StandardCharsets.UTF_8), "fine-tune");

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.error().path("code").asString()).isEqualTo("file_too_large");
            assertThat(response.error().path("param").asString()).isEqualTo("file");
            // Streamed to a temporary file until the limit was hit, which was then removed: nothing is kept.
            try (var stored = java.nio.file.Files.walk(artifacts)) {
                assertThat(stored.filter(java.nio.file.Files::isRegularFile)).isEmpty();
            }
            assertThat(api.get("/v1/files").json().path("data").size()).isZero();
        }
    }
}

package dev.safetune.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiServiceApplication;
import dev.safetune.testsupport.TestDatabase;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** Start-up guarantees a usable key for org-default. The app is started as the launcher starts it. */
@ExtendWith(OutputCaptureExtension.class)
class BootstrapApiKeyTest {
    private static final Pattern PRINTED_KEY = Pattern.compile("sk-st-[0-9A-Za-z]{40}");

    @TempDir
    Path artifacts;

    @Test
    void configuredKeyWorksAndRestartingDoesNotDuplicateIt(CapturedOutput output) {
        String key = "sk-st-" + "Bootstrap0".repeat(4);
        try (TestDatabase database = TestDatabase.create()) {
            try (ConfigurableApplicationContext app = start(database, key)) {
                assertThat(client(app, key).get("/v1/models").status()).isEqualTo(200);
            }
            try (ConfigurableApplicationContext app = start(database, key)) {
                assertThat(client(app, key).get("/v1/models").status()).isEqualTo(200);
                JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
                assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys", Integer.class))
                        .isEqualTo(1);
                assertThat(jdbc.queryForObject(
                                "SELECT organization_id FROM api_keys WHERE key_hash = ?",
                                String.class,
                                ApiKeyService.sha256(key)))
                        .isEqualTo("org-default");
                assertThat(jdbc.queryForObject("SELECT name FROM organizations WHERE id = 'org-default'", String.class))
                        .isEqualTo("Default organization");
            }
        }
        assertThat(output.getOut()).doesNotContain(key);
    }

    @Test
    void withoutAConfiguredKeyOneIsGeneratedAndPrintedOnlyOnce(CapturedOutput output) {
        try (TestDatabase database = TestDatabase.create()) {
            String printed;
            try (ConfigurableApplicationContext app = start(database, null)) {
                Matcher matcher = PRINTED_KEY.matcher(output.getOut());
                assertThat(matcher.find()).isTrue();
                printed = matcher.group();
                assertThat(client(app, printed).get("/v1/models").status()).isEqualTo(200);
            }
            try (ConfigurableApplicationContext app = start(database, null)) {
                assertThat(PRINTED_KEY.matcher(output.getOut()).results().count())
                        .isEqualTo(1);
                assertThat(client(app, printed).get("/v1/models").status()).isEqualTo(200);
            }
        }
    }

    private ConfigurableApplicationContext start(TestDatabase database, String bootstrapKey) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("server.port", 0);
        settings.put("spring.datasource.url", database.jdbcUrl());
        settings.put("safetune.artifacts-dir", artifacts);
        settings.put("safetune.models-dir", artifacts.resolve("models"));
        if (bootstrapKey != null) {
            settings.put("safetune.bootstrap-api-key", bootstrapKey);
        }
        return ApiServiceApplication.start(settings);
    }

    private static ApiClient client(ConfigurableApplicationContext app, String key) {
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        return new ApiClient(port, key, "org-default");
    }
}

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

    private static final String ADMIN_KEY = "sk-st-" + "BootAdmin0".repeat(4);

    @Test
    void configuredKeyWorksAndRestartingDoesNotDuplicateIt(CapturedOutput output) {
        String key = "sk-st-" + "Bootstrap0".repeat(4);
        try (TestDatabase database = TestDatabase.create()) {
            try (ConfigurableApplicationContext app = start(database, key, null)) {
                assertThat(client(app, key).get("/v1/models").status()).isEqualTo(200);
            }
            try (ConfigurableApplicationContext app = start(database, key, null)) {
                assertThat(client(app, key).get("/v1/models").status()).isEqualTo(200);
                JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
                // The configured member key and the admin key generated (and printed) for the operator.
                assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys", Integer.class))
                        .isEqualTo(2);
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
            String printedAdmin;
            try (ConfigurableApplicationContext app = start(database, null, null)) {
                Matcher member = Pattern.compile("a member API key .*: (" + PRINTED_KEY + ")")
                        .matcher(output.getOut());
                Matcher admin = Pattern.compile("an admin API key .*: (" + PRINTED_KEY + ")")
                        .matcher(output.getOut());
                assertThat(member.find()).isTrue();
                assertThat(admin.find()).isTrue();
                printed = member.group(1);
                printedAdmin = admin.group(1);
                assertThat(client(app, printed).get("/v1/models").status()).isEqualTo(200);
                assertThat(client(app, printed).get("/admin/models/imports").status())
                        .isEqualTo(403);
                assertThat(client(app, printedAdmin)
                                .get("/admin/models/imports")
                                .status())
                        .isEqualTo(200);
            }
            try (ConfigurableApplicationContext app = start(database, null, null)) {
                assertThat(PRINTED_KEY.matcher(output.getOut()).results().count())
                        .isEqualTo(2);
                assertThat(client(app, printed).get("/v1/models").status()).isEqualTo(200);
            }
        }
    }

    /** The key a customer is handed cannot queue base-model imports; the separate admin key can, and only that. */
    @Test
    void theConfiguredKeyIsAMemberKeyAndTheAdminKeyIsSeparate() {
        String key = "sk-st-" + "Customer00".repeat(4);
        try (TestDatabase database = TestDatabase.create();
                ConfigurableApplicationContext app = start(database, key, ADMIN_KEY)) {
            ApiClient customer = client(app, key);
            ApiClient operator = client(app, ADMIN_KEY);

            assertThat(customer.post("/admin/models/imports", "{\"source\":\"hf:gpt2\",\"replace\":true}")
                            .status())
                    .isEqualTo(403);
            assertThat(customer.get("/v1/files").status()).isEqualTo(200);
            assertThat(operator.get("/admin/models/imports").status()).isEqualTo(200);
            assertThat(operator.get("/v1/files").status()).isEqualTo(403);
        }
    }

    /** A key made when every start-up key was admin is a member key after the upgrade. */
    @Test
    void anOldAdminBootstrapKeyBecomesAMemberKey() {
        String key = "sk-st-" + "OldBootKey".repeat(4);
        try (TestDatabase database = TestDatabase.create()) {
            try (ConfigurableApplicationContext app = start(database, key, null)) {
                app.getBean(JdbcTemplate.class).update("UPDATE api_keys SET role = 'admin' WHERE name = 'bootstrap'");
            }
            try (ConfigurableApplicationContext app = start(database, key, null)) {
                assertThat(client(app, key).get("/admin/models/imports").status())
                        .isEqualTo(403);
                assertThat(client(app, key).get("/v1/files").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void changingAConfiguredKeyRevokesThePreviousOne() {
        String first = "sk-st-" + "FirstKey00".repeat(4);
        String second = "sk-st-" + "SecondKey0".repeat(4);
        String secondAdmin = "sk-st-" + "SecondAdm0".repeat(4);
        try (TestDatabase database = TestDatabase.create()) {
            try (ConfigurableApplicationContext app = start(database, first, ADMIN_KEY)) {
                assertThat(client(app, first).get("/v1/files").status()).isEqualTo(200);
            }
            try (ConfigurableApplicationContext app = start(database, second, secondAdmin)) {
                assertThat(client(app, first).get("/v1/files").status()).isEqualTo(401);
                assertThat(client(app, ADMIN_KEY).get("/admin/models/imports").status())
                        .isEqualTo(401);
                assertThat(client(app, second).get("/v1/files").status()).isEqualTo(200);
                assertThat(client(app, secondAdmin).get("/admin/models/imports").status())
                        .isEqualTo(200);
            }
            // Going back to a revoked key does not bring it back: start-up fails rather than reviving it.
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> start(database, first, secondAdmin).close())
                    .hasStackTraceContaining("the configured bootstrap key was revoked");
        }
    }

    private ConfigurableApplicationContext start(TestDatabase database, String bootstrapKey, String adminKey) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("server.port", 0);
        settings.put("spring.datasource.url", database.jdbcUrl());
        settings.put("safetune.artifacts-dir", artifacts);
        settings.put("safetune.models-dir", artifacts.resolve("models"));
        if (bootstrapKey != null) {
            settings.put("safetune.bootstrap-api-key", bootstrapKey);
        }
        if (adminKey != null) {
            settings.put("safetune.bootstrap-admin-key", adminKey);
        }
        return ApiServiceApplication.start(settings);
    }

    private static ApiClient client(ConfigurableApplicationContext app, String key) {
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        return new ApiClient(port, key, "org-default");
    }
}

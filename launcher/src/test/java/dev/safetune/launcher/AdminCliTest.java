package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiServiceApplication;
import dev.safetune.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code ./safetune admin …} against the real API over HTTP: onboarding a customer from the command line. */
class AdminCliTest {
    private static final String ADMIN_KEY = "sk-st-adminCliTestKey00000000000000000000000";
    private static final Pattern KEY_LINE = Pattern.compile("(?m)^(sk-st-[0-9A-Za-z]{40})$");
    private static final Pattern KEY_ID = Pattern.compile("key (key-[0-9A-Za-z]{24}) for");

    @TempDir
    static Path home;

    private static TestDatabase database;
    private static ConfigurableApplicationContext api;
    private static String baseUrl;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void startApi() {
        database = TestDatabase.create();
        api = ApiServiceApplication.start(Map.of(
                "server.port", 0,
                "spring.datasource.url", database.jdbcUrl(),
                "safetune.artifacts-dir", home.resolve("artifacts").toString(),
                "safetune.models-dir", home.resolve("models").toString(),
                "safetune.bootstrap-admin-key", ADMIN_KEY));
        baseUrl = "http://127.0.0.1:" + Platform.port(api);
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
        database.close();
    }

    @Test
    void anOperatorOnboardsACustomerRotatesAndRevokesItsKey() {
        assertThat(admin("orgs", "create", "Acme", "Robotics")).isZero();
        String org = output().replaceAll("(?s).*Created organisation (org-[0-9A-Za-z]{24}).*", "$1");
        assertThat(admin("orgs", "list")).isZero();
        assertThat(output()).contains(org + " ").contains("Acme Robotics");

        assertThat(admin("keys", "create", org, "--name", "ci")).isZero();
        String first = printedKey();
        String firstId = match(KEY_ID);
        ApiClient customer = new ApiClient(baseUrl, first);
        assertThat(customer.get("/v1/files").status()).isEqualTo(200);

        assertThat(admin("keys", "list", org)).isZero();
        String listed = output();
        assertThat(listed)
                .contains(firstId)
                .contains(first.substring(0, 14) + "…")
                .contains("member");
        assertThat(listed).doesNotContain(first);

        assertThat(admin("keys", "rotate", org, firstId)).isZero();
        String second = printedKey();
        String secondId = match(KEY_ID);
        assertThat(secondId).isNotEqualTo(firstId);
        assertThat(customer.get("/v1/files").status()).isEqualTo(401);
        assertThat(new ApiClient(baseUrl, second).get("/v1/files").status()).isEqualTo(200);

        assertThat(admin("keys", "revoke", org, secondId)).isZero();
        assertThat(output()).contains("Revoked key " + secondId);
        assertThat(new ApiClient(baseUrl, second).get("/v1/files").status()).isEqualTo(401);
    }

    @Test
    void theApisRefusalIsPrintedWithExitCodeOne() {
        assertThat(admin("keys", "create", "org-doesNotExist")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("HTTP 404: No organization found with id 'org-doesNotExist'.");
        assertThat(admin("keys", "create", "org-x", "--role", "root")).isEqualTo(1);
    }

    @Test
    void theLocalAdminKeyFileIsUsedWhenNoKeyIsSet(@TempDir Path localHome) throws Exception {
        Files.writeString(localHome.resolve("local-admin-key"), ADMIN_KEY + "\n");
        int code = new AdminCli(print(out), print(err))
                .run(List.of("orgs", "list"), Map.of("SAFETUNE_BASE_URL", baseUrl), localHome);

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "--help",
                "orgs create --help",
                "orgs list --help",
                "keys create --help",
                "keys list -h",
                "keys rotate --help",
                "keys revoke org-1 --help"
            })
    void helpPrintsUsageAndExitsZero(String args) {
        int code = new AdminCli(print(out), print(err)).run(List.of(args.split(" ")), Map.of(), home);

        assertThat(code).isZero();
        assertThat(output()).startsWith("usage: safetune");
        assertThat(err.size()).isZero();
    }

    @Test
    void anUnknownCommandPrintsUsageAndExitsTwo() {
        int code = new AdminCli(print(out), print(err)).run(List.of("users", "list"), Map.of(), home);

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("admin keys create ORG_ID");
    }

    private int admin(String... args) {
        out.reset();
        err.reset();
        return new AdminCli(print(out), print(err))
                .run(List.of(args), Map.of("SAFETUNE_BASE_URL", baseUrl, "SAFETUNE_ADMIN_KEY", ADMIN_KEY), home);
    }

    private String printedKey() {
        return match(KEY_LINE);
    }

    private String match(Pattern pattern) {
        return match(pattern.matcher(output()));
    }

    private static String match(Matcher matcher) {
        assertThat(matcher.find()).as(matcher.toString()).isTrue();
        return matcher.group(1);
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}

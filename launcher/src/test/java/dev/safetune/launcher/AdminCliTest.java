package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * {@code ./safetune admin …} against the real API over HTTP: onboarding a customer from the command line. Each test
 * runs the whole command tree ({@link SafeTuneCli#run}), so it also shows that {@code admin} is registered there.
 */
class AdminCliTest {
    private static final String ADMIN_KEY = "sk-st-adminCliTestKey00000000000000000000000";
    private static final Pattern KEY_LINE = Pattern.compile("(?m)^(sk-st-[0-9A-Za-z]{40})$");
    private static final Pattern KEY_ID = Pattern.compile("key (key-[0-9A-Za-z]{24}) for");

    @TempDir
    static Path home;

    private static LocalApi api;
    private static String baseUrl;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void startApi() {
        api = LocalApi.start(home, ADMIN_KEY);
        baseUrl = api.baseUrl();
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void anOperatorOnboardsACustomerRotatesAndRevokesItsKey() throws Exception {
        assertThat(admin("orgs", "create", "Acme Robotics")).isZero();
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
    void theApisRefusalIsPrintedWithExitCodeOne() throws Exception {
        assertThat(admin("keys", "create", "org-doesNotExist")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("HTTP 404: No organization found with id 'org-doesNotExist'.");
        assertThat(admin("keys", "create", "org-x", "--role", "root")).isEqualTo(1);
    }

    @Test
    void theLocalAdminKeyFileIsUsedWhenNoKeyIsSet(@TempDir Path localHome) throws Exception {
        Files.writeString(localHome.resolve("local-admin-key"), ADMIN_KEY + "\n");
        int code = run(Map.of("SAFETUNE_BASE_URL", baseUrl), localHome, "orgs", "list");

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(output()).startsWith("ID ").contains("org-default");
    }

    @Test
    void withoutAnAdminKeyTheCommandSaysWhereItLookedAndExitsOne(@TempDir Path emptyHome) throws Exception {
        int code = run(Map.of("SAFETUNE_BASE_URL", baseUrl), emptyHome, "orgs", "list");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("safetune admin orgs list: no admin key: set SAFETUNE_ADMIN_KEY")
                .contains(emptyHome.resolve("local-admin-key").toString());
    }

    @Test
    void aMissingArgumentIsAUsageErrorNamingIt() throws Exception {
        assertThat(admin("keys", "rotate", "org-1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith(
                        "safetune admin keys rotate: missing KEY_ID\nusage: safetune admin keys rotate ORG_ID KEY_ID");
        assertThat(output()).isEmpty();
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
    void helpPrintsUsageAndExitsZero(String args) throws Exception {
        int code = run(Map.of(), home, args.split(" "));

        assertThat(code).isZero();
        assertThat(output()).startsWith("usage: safetune admin");
        assertThat(err.size()).isZero();
    }

    @Test
    void anUnknownCommandPrintsUsageAndExitsTwo() throws Exception {
        int code = run(Map.of(), home, "users", "list");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("safetune admin: unknown command 'users'\nusage: safetune admin <command>")
                .contains("create ORG_ID [--role ROLE] [--name NAME]");
    }

    private int admin(String... args) throws Exception {
        return run(Map.of("SAFETUNE_BASE_URL", baseUrl, "SAFETUNE_ADMIN_KEY", ADMIN_KEY), home, args);
    }

    /** {@code ./safetune admin ARGS} in this JVM, with {@code env} as its whole environment. */
    private int run(Map<String, String> env, Path safetuneHome, String... args) throws Exception {
        out.reset();
        err.reset();
        List<String> command = new ArrayList<>(List.of("admin"));
        command.addAll(List.of(args));
        return SafeTuneCli.run(CapturedConsole.of(out, err, env, safetuneHome), command);
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
}

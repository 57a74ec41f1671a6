package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code ./safetune admin policies …} against the real API over HTTP, through the whole command tree. */
class PoliciesCommandTest {
    private static final String ADMIN_KEY = "sk-st-policiesCliTestKey000000000000000000";

    @TempDir
    static Path home;

    private static LocalApi api;
    private static String baseUrl;
    private static String safetyKey;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void startApi() {
        api = LocalApi.start(home, ADMIN_KEY);
        baseUrl = api.baseUrl();
        safetyKey = new ApiClient(baseUrl, ADMIN_KEY)
                .post("/admin/organizations/org-default/api_keys", Map.of("role", "safety", "name", "safety-team"))
                .ok()
                .path("key")
                .asString();
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void theSafetyTeamCreatesComparesAndPublishesAVersion() throws Exception {
        Path first = document("first.json", "{\"safeguards\": {\"kl\": {\"beta\": 0.1}}}");
        Path second = document("second.json", "{\"safeguards\": {\"kl\": {\"beta\": 0.5}}}");

        assertThat(safety("create", "--name", "cli", "--file", first.toString(), "--reason", "first"))
                .as(errors())
                .isZero();
        String a = output().replaceAll("(?s).*Created cli v1 \\((sp-[0-9A-Za-z]{24})\\).*", "$1");
        assertThat(safety("create", "--name", "cli", "--file", second.toString(), "--reason", "stronger KL"))
                .isZero();
        String b = output().replaceAll("(?s).*Created cli v2 \\((sp-[0-9A-Za-z]{24})\\).*", "$1");

        assertThat(safety("list", "--name", "cli")).isZero();
        assertThat(output().lines()).hasSize(3);
        assertThat(output()).contains(a).contains(b).contains("stronger KL");

        assertThat(safety("show", a)).isZero();
        assertThat(output())
                .startsWith("cli v1 (" + a + ")")
                .contains("sha256 ")
                .contains("\"beta\" : 0.1");

        assertThat(safety("diff", a, b)).isZero();
        assertThat(output())
                .isEqualTo("safeguards.kl.beta: 0.1 -> 0.5\n" + b + " is stricter than or equal to " + a + ".\n");
        assertThat(safety("diff", b, a)).isZero();
        assertThat(output()).contains(a + " is weaker than " + b + ":\n  safeguards.kl.beta: must be at least 0.5");

        assertThat(safety("set-default", b, "--reason", "published")).isZero();
        assertThat(output()).startsWith("The default is now cli v2 (" + b + ")");
        assertThat(safety("list", "--name", "cli")).isZero();
        assertThat(output().lines().filter(l -> l.startsWith(b)).findFirst().orElseThrow())
                .contains(" * ");
        assertThat(safety("set-default", "sp-builtin-default-v1", "--reason", "restore"))
                .isZero();
    }

    @Test
    void aRefusedDocumentPrintsEachFieldAtFaultAndExitsOne() throws Exception {
        Path bad = document("bad.json", "{\"safeguards\": {\"kl\": {\"beta\": 11}, \"caft\": {\"layers\": []}}}");

        assertThat(safety("create", "--name", "bad", "--file", bad.toString(), "--reason", "x"))
                .isEqualTo(1);
        assertThat(errors())
                .startsWith("safetune admin policies: HTTP 400: The safety policy was not created: 2 field(s)")
                .contains("\n  document.safeguards.kl.beta: must be between 0 and 10, got 11.0\n")
                .contains("\n  document.safeguards.caft.layers: needs at least one layer\n");
    }

    @Test
    void theAdminKeyReadsButCannotCreate() throws Exception {
        Path doc = document("admin.json", "{}");

        assertThat(run(Map.of("SAFETUNE_BASE_URL", baseUrl, "SAFETUNE_ADMIN_KEY", ADMIN_KEY), "list"))
                .isZero();
        assertThat(output()).contains("sp-builtin-default-v1");
        assertThat(run(
                        Map.of("SAFETUNE_BASE_URL", baseUrl, "SAFETUNE_ADMIN_KEY", ADMIN_KEY),
                        "create",
                        "--name",
                        "x",
                        "--file",
                        doc.toString(),
                        "--reason",
                        "x"))
                .isEqualTo(1);
        assertThat(errors()).contains("HTTP 403: This endpoint needs an API key with role safety");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "list --help", "show -h", "create --help", "set-default --help", "diff --help"})
    void helpPrintsUsageAndExitsZero(String args) throws Exception {
        assertThat(run(Map.of(), args.split(" "))).isZero();
        assertThat(output()).startsWith("usage: safetune admin policies");
    }

    @Test
    void setDefaultWithoutAReasonIsAUsageError() throws Exception {
        assertThat(safety("set-default", "sp-builtin-default-v1")).isEqualTo(2);
        assertThat(errors()).startsWith("safetune admin policies set-default: missing --reason");
    }

    private Path document(String name, String json) throws Exception {
        return Files.writeString(home.resolve(name), json);
    }

    private int safety(String... args) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SAFETUNE_BASE_URL", baseUrl);
        env.put("SAFETUNE_ADMIN_KEY", ADMIN_KEY);
        env.put("SAFETUNE_SAFETY_KEY", safetyKey);
        return run(env, args);
    }

    /** {@code ./safetune admin policies ARGS} in this JVM, with {@code env} as its whole environment. */
    private int run(Map<String, String> env, String... args) throws Exception {
        out.reset();
        err.reset();
        List<String> command = new ArrayList<>(List.of("admin", "policies"));
        command.addAll(List.of(args));
        return SafeTuneCli.run(CapturedConsole.of(out, err, env, home), command);
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }
}

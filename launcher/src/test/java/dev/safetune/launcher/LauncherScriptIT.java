package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The {@code ./safetune} script as a customer runs it: a subprocess on the packaged jar ({@code SAFETUNE_SKIP_BUILD=1},
 * so Maven never runs inside Maven) against a platform this class starts once on the test PostgreSQL. Runs in the
 * {@code integration-test} phase, after {@code package} has built {@code launcher/target/safetune.jar}; the launcher's
 * pom names the jar in {@code safetune.jar} there, and the class is skipped where it is not set.
 */
@EnabledIfSystemProperty(named = "safetune.jar", matches = ".+")
class LauncherScriptIT {
    private static final String KEY = "sk-st-launcherScriptTestKey00000000000000000";
    // A prefix (first 14 characters) of its own: the API refuses two keys that share one.
    private static final String ADMIN_KEY = "sk-st-operatorScriptKey00000000000000000000000";
    private static final Pattern KEY_LINE = Pattern.compile("(?m)^(sk-st-[0-9A-Za-z]{40})$");
    private static final Pattern KEY_ID = Pattern.compile("key (key-[0-9A-Za-z]{24}) for (org-[0-9A-Za-z]{24})\\.");
    private static final Path ROOT = repositoryRoot();

    @TempDir
    static Path home;

    private static TestDatabase database;
    private static Platform platform;

    /** What one run of the script printed and returned. */
    record Run(int exit, String out, String err) {
        String both() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    @BeforeAll
    static void startPlatform() throws IOException {
        assertThat(Path.of(System.getProperty("safetune.jar"))).isRegularFile();
        database = TestDatabase.create();
        BaseModelGenerator.generate(home.resolve("models").resolve(LocalSetup.BASE_MODEL), LocalSetup.BASE_MODEL, 42);
        Map<String, Object> common = new HashMap<>();
        common.put("spring.datasource.url", database.jdbcUrl());
        common.put("safetune.artifacts-dir", home.resolve("artifacts").toString());
        common.put("safetune.models-dir", home.resolve("models").toString());
        common.put("safetune.worker.poll-interval", "1s");
        platform = Platform.start(
                common, Map.of("safetune.bootstrap-api-key", KEY, "safetune.bootstrap-admin-key", ADMIN_KEY), 0, 1);
        // Where serve leaves the admin key: the admin commands below find it there, as an operator's do.
        Files.writeString(home.resolve(LocalSetup.ADMIN_KEY_FILE), ADMIN_KEY + "\n");
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void everyCommandPrintsItsUsageOnStdoutAndExitsZeroOnHelp() throws Exception {
        List<List<String>> commands = commandTree().paths();
        assertThat(commands).contains(List.of(), List.of("files", "list"), List.of("models", "import"));

        for (List<String> command : commands) {
            for (String help : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(command);
                args.add(help);
                Run run = safetune(args);
                String name = String.join(" ", command);
                assertThat(run.exit()).as(args + "\n" + run.both()).isZero();
                assertThat(run.out())
                        .as(args + "\n" + run.both())
                        .startsWith("usage: safetune" + (name.isEmpty() ? "" : " " + name))
                        .matches("(?s)usage: safetune[^\n]*\n.+");
                assertThat(run.err()).as(args + "\n" + run.both()).isEmpty();
            }
        }
    }

    @Test
    void everyCommandRefusesAnUnknownOptionWithUsageOnStderrAndExitTwo() throws Exception {
        Command root = commandTree();
        for (List<String> command : root.paths()) {
            if (root.find(command).orElseThrow().isGroup()) {
                continue;
            }
            List<String> args = new ArrayList<>(command);
            args.add("--no-such-option");
            Run run = safetune(args);
            String name = String.join(" ", command);
            assertThat(run.exit()).as(args + "\n" + run.both()).isEqualTo(2);
            assertThat(run.out()).as(args + "\n" + run.both()).isEmpty();
            assertThat(run.err())
                    .as(args + "\n" + run.both())
                    .startsWith("safetune " + name + ": unknown option --no-such-option\n")
                    .contains("usage: safetune " + name);
        }
    }

    @Test
    void anUnknownCommandAndNoCommandAreUsageErrors() throws Exception {
        Run unknown = safetune(List.of("files", "lst"));
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("safetune files: unknown command 'lst'\nusage: safetune files <command>");

        Run none = safetune(List.of());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("usage: safetune <command>", "files <command>", "jobs <command>");
    }

    @Test
    void uploadsListsStartsFollowsAndInspectsAJob(@TempDir Path scratch) throws Exception {
        Path data = scratch.resolve("train.jsonl");
        try (InputStream in = DemoCommand.class.getResourceAsStream("/samples/demo-train.jsonl")) {
            Files.copy(in, data);
        }

        Run upload = safetune(List.of("files", "upload", data.toString()));
        assertThat(upload.exit()).as(upload.both()).isZero();
        assertThat(upload.out()).matches("file-\\S+  processed +\\d+ bytes  train\\.jsonl\\s*");
        String fileId = upload.out().split("\\s+")[0];

        Run files = safetune(List.of("files", "list"));
        assertThat(files.exit()).as(files.both()).isZero();
        assertThat(files.out()).contains(fileId + "  processed");

        Run file = safetune(List.of("files", "get", fileId));
        assertThat(file.out()).contains("\"id\" : \"" + fileId + "\"", "\"purpose\" : \"fine-tune\"");

        Run create = safetune(List.of(
                "jobs",
                "create",
                "--model",
                LocalSetup.BASE_MODEL,
                "--training-file",
                fileId,
                "--epochs",
                "1",
                "--suffix",
                "cli",
                "--follow"));
        assertThat(create.exit()).as(create.both()).isZero();
        assertThat(create.out()).contains("step 20/20", "succeeded", "ft:safetune-tiny:org-default:cli:");
        String jobId = create.out().split("\\s+")[0];
        assertThat(jobId).startsWith("ftjob-");

        Run jobs = safetune(List.of("jobs", "list", "--limit", "5"));
        assertThat(jobs.out()).contains(jobId + "  succeeded  safetune-tiny  -> ft:safetune-tiny:org-default:cli:");

        Run job = safetune(List.of("jobs", "get", jobId));
        assertThat(job.out()).contains("\"status\" : \"succeeded\"", "\"trained_tokens\"");

        Run events = safetune(List.of("jobs", "events", jobId));
        assertThat(events.exit()).as(events.both()).isZero();
        assertThat(events.out()).contains("info  Validating training file", "info  The job has successfully completed");

        Run checkpoints = safetune(List.of("jobs", "checkpoints", jobId));
        assertThat(checkpoints.exit()).as(checkpoints.both()).isZero();
        JsonNode listed = new ApiClient(platform.apiBaseUrl(), KEY)
                .get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                .ok()
                .path("data");
        assertThat(checkpoints.out().lines()).hasSize(listed.size());
        listed.forEach(c -> assertThat(checkpoints.out())
                .contains(c.path("fine_tuned_model_checkpoint").asString()));

        Run cancel = safetune(List.of("jobs", "cancel", jobId));
        assertThat(cancel.exit()).isEqualTo(1);
        assertThat(cancel.out()).contains("is already succeeded");
    }

    @Test
    void anOperatorOnboardsACustomerWhoseKeyWorksUntilItIsRotatedAndRevoked() throws Exception {
        Run org = safetune(List.of("admin", "orgs", "create", "Script Robotics"));
        assertThat(org.exit()).as(org.both()).isZero();
        assertThat(org.out()).matches("Created organisation org-[0-9A-Za-z]{24} \\(Script Robotics\\)\\s*");
        String orgId = org.out().split("\\s+")[2];

        Run orgs = safetune(List.of("admin", "orgs", "list"));
        assertThat(orgs.exit()).as(orgs.both()).isZero();
        assertThat(orgs.out()).containsPattern("(?m)^" + orgId + " +\\S+ +Script Robotics$");

        Run created = safetune(List.of("admin", "keys", "create", orgId, "--name", "ci"));
        assertThat(created.exit()).as(created.both()).isZero();
        String member = match(KEY_LINE, created.out());
        String memberId = match(KEY_ID, created.out());
        assertThat(created.out()).startsWith("Issued member key " + memberId + " for " + orgId + ".");

        // The new tenant's key works through the customer commands and sees none of org-default's files.
        Run upload = safetune(List.of("files", "upload", sample(home).toString()), Map.of("SAFETUNE_API_KEY", member));
        assertThat(upload.exit()).as(upload.both()).isZero();
        String fileId = upload.out().split("\\s+")[0];
        Run files = safetune(List.of("files", "list"), Map.of("SAFETUNE_API_KEY", member));
        assertThat(files.exit()).as(files.both()).isZero();
        assertThat(files.out().lines()).singleElement().asString().startsWith(fileId + "  processed");

        Run listed = safetune(List.of("admin", "keys", "list", orgId));
        assertThat(listed.exit()).as(listed.both()).isZero();
        assertThat(listed.out())
                .startsWith("ID ")
                .containsPattern(
                        "(?m)^" + memberId + " +" + Pattern.quote(member.substring(0, 14)) + "… +member +.* ci$")
                .doesNotContain(member);

        Run rotated = safetune(List.of("admin", "keys", "rotate", orgId, memberId));
        assertThat(rotated.exit()).as(rotated.both()).isZero();
        assertThat(rotated.out()).startsWith("Rotated member key ");
        String replacement = match(KEY_LINE, rotated.out());
        String replacementId = match(KEY_ID, rotated.out());
        assertRefused(member, 401, "Incorrect API key provided.");
        assertThat(safetune(List.of("files", "list"), Map.of("SAFETUNE_API_KEY", replacement))
                        .out())
                .startsWith(fileId);

        Run revoked = safetune(List.of("admin", "keys", "revoke", orgId, replacementId));
        assertThat(revoked.exit()).as(revoked.both()).isZero();
        assertThat(revoked.out()).isEqualTo("Revoked key " + replacementId + "; requests with it are now refused.\n");
        assertRefused(replacement, 401, "Incorrect API key provided.");
    }

    @Test
    void anAdminKeyIssuedByTheScriptIsRefusedOnV1() throws Exception {
        Run created = safetune(List.of("admin", "keys", "create", "org-default", "--role", "admin", "--name", "ops"));
        assertThat(created.exit()).as(created.both()).isZero();
        assertThat(created.out()).startsWith("Issued admin key ");

        assertRefused(match(KEY_LINE, created.out()), 403, "this key's role is admin.");
    }

    @Test
    void theAdminApisRefusalIsPrintedOnStderrWithExitOne() throws Exception {
        Run run = safetune(List.of("admin", "keys", "list", "org-doesNotExist"));
        assertThat(run.exit()).as(run.both()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("safetune admin: HTTP 404: ");
    }

    /** {@code files list} with {@code key} fails with the API's status and message. */
    private static void assertRefused(String key, int status, String message) throws Exception {
        Run run = safetune(List.of("files", "list"), Map.of("SAFETUNE_API_KEY", key));
        assertThat(run.exit()).as(run.both()).isEqualTo(1);
        assertThat(run.out()).as(run.both()).contains(message);
        assertThat(new ApiClient(platform.apiBaseUrl(), key).get("/v1/files").status())
                .isEqualTo(status);
    }

    private static Path sample(Path dir) throws IOException {
        Path data = Files.createTempFile(dir, "train", ".jsonl");
        try (InputStream in = DemoCommand.class.getResourceAsStream("/samples/demo-train.jsonl")) {
            Files.copy(in, data, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return data;
    }

    private static String match(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertThat(matcher.find()).as(pattern + " in\n" + text).isTrue();
        return matcher.group(1);
    }

    @Test
    void anUnknownJobIsAnErrorWithTheServersMessage() throws Exception {
        Run events = safetune(List.of("jobs", "events", "ftjob-nope"));
        assertThat(events.exit()).isEqualTo(1);
        assertThat(events.out()).contains("No such fine-tuning job: ftjob-nope");
    }

    @Test
    void anUnreachableEndpointIsNamedWithoutAStackTrace() throws Exception {
        Run run = safetune(List.of("files", "list"), Map.of("SAFETUNE_BASE_URL", "http://127.0.0.1:9/v1"));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .startsWith("safetune files list: cannot reach http://127.0.0.1:9")
                .doesNotContain("\tat ");
    }

    @Test
    void createsAndImportsABaseModelIntoTheLocalDatabase(@TempDir Path scratch) throws Exception {
        Path model = scratch.resolve("tiny-script");
        Run created = safetune(List.of("create-base-model", model.toString(), "--seed", "3"));
        assertThat(created.exit()).as(created.both()).isZero();
        assertThat(created.out()).contains("Wrote base model to " + model);

        Run imported = safetune(
                List.of("models", "import", "dir:" + model, "--as", "tiny-script"),
                Map.of("SAFETUNE_DB_URL", database.jdbcUrl()));
        assertThat(imported.exit()).as(imported.both()).isZero();
        assertThat(imported.out()).contains("Imported tiny-script.", "Fine-tune it with \"model\": \"tiny-script\".");
    }

    private static Command commandTree() {
        PrintStream discard = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return SafeTuneCli.root(new SafeTuneCli.Console(discard, discard, false, Map.of(), home));
    }

    private static Run safetune(List<String> args) throws Exception {
        return safetune(args, Map.of());
    }

    private static Run safetune(List<String> args, Map<String, String> extraEnv) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("safetune").toString());
        command.addAll(args);
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("SAFETUNE_") || k.startsWith("OPENAI_"));
        env.put("SAFETUNE_SKIP_BUILD", "1");
        env.put("SAFETUNE_HOME", home.toString());
        env.put("SAFETUNE_BASE_URL", platform.apiBaseUrl() + "/v1");
        env.put("SAFETUNE_API_KEY", KEY);
        // The commands here are short: a small heap and the quick JIT tier start each JVM faster.
        env.put("SAFETUNE_JAVA_OPTS", "-Xmx1g -XX:TieredStopAtLevel=1");
        env.putAll(extraEnv);
        Process process = builder.start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("./safetune " + args + " did not end within 3 minutes");
        }
        return new Run(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("safetune"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no ./safetune script above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}

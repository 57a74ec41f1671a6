package dev.safetune.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The customer commands of {@code ./safetune}: {@code files …}, {@code jobs …}, {@code audit show}, against any
 * SafeTune (or OpenAI-compatible) endpoint. Like the OpenAI CLI it reads the endpoint and key from the environment:
 * {@code SAFETUNE_BASE_URL} or {@code OPENAI_BASE_URL}, and {@code SAFETUNE_API_KEY} or {@code OPENAI_API_KEY},
 * falling back to the local platform ({@code http://127.0.0.1:8080} and {@code $SAFETUNE_HOME/local-api-key}).
 */
final class CustomerCli {
    /** Made only when a command calls the API, so {@code --help} and usage errors need no key. */
    interface ClientSource {
        ApiClient client() throws IOException;
    }

    private final ClientSource clients;
    private final PrintStream out;
    private final boolean interactive;
    private ApiClient client;

    CustomerCli(ClientSource clients, PrintStream out, boolean interactive) {
        this.clients = clients;
        this.out = out;
        this.interactive = interactive;
    }

    /** The {@code files}, {@code jobs} and {@code audit} command groups. */
    List<Command> commands() {
        return List.of(
                Command.group(
                        "files",
                        "training files on the platform",
                        List.of(
                                Command.leaf(
                                        "upload",
                                        "PATH",
                                        "upload a JSONL training file and print its line-by-line validation report",
                                        a -> uploadFile(Path.of(a.positional().getFirst()))),
                                Command.leaf(
                                        "list",
                                        "[--limit N]",
                                        "your files, newest first",
                                        a -> printList(api().get("/v1/files" + limit(a, null)), this::describeFile)),
                                Command.leaf(
                                        "get",
                                        "ID",
                                        "one file with its validation report",
                                        a -> printObject(api().get("/v1/files/"
                                                + a.positional().getFirst()))),
                                Command.leaf(
                                        "delete",
                                        "ID",
                                        "delete a file (refused while an unfinished job uses it)",
                                        a -> printObject(api().delete("/v1/files/"
                                                + a.positional().getFirst()))))),
                Command.group(
                        "jobs",
                        "fine-tuning jobs",
                        List.of(
                                Command.leaf(
                                        "create",
                                        "--model M --training-file FILE_ID [--validation-file FILE_ID] [--epochs N]"
                                                + " [--batch-size N] [--lr-multiplier X] [--suffix S] [--seed N]"
                                                + " [--follow]",
                                        "start a fine-tuning job (--follow: progress bar until it ends)",
                                        this::createJob),
                                Command.leaf(
                                        "list",
                                        "[--limit N]",
                                        "your jobs, newest first (20 unless --limit)",
                                        a -> printList(
                                                api().get("/v1/fine_tuning/jobs" + limit(a, "20")), this::describeJob)),
                                Command.leaf("get", "ID", "one job as JSON", a -> printObject(api().get(jobPath(a)))),
                                Command.leaf(
                                        "cancel",
                                        "ID",
                                        "cancel a queued or running job",
                                        a -> printObject(api().post(jobPath(a) + "/cancel", Map.of()))),
                                Command.leaf("events", "ID", "the job's events, oldest first", this::printEvents),
                                Command.leaf(
                                        "checkpoints",
                                        "ID",
                                        "the job's checkpoints, newest first",
                                        a -> printList(
                                                api().get(jobPath(a) + "/checkpoints"), this::describeCheckpoint)),
                                Command.leaf(
                                        "follow",
                                        "ID",
                                        "progress bar until the job ends (exit 0 when it succeeded)",
                                        a -> follow(a.positional().getFirst())))),
                Command.group(
                        "audit",
                        "misalignment audits",
                        List.of(Command.leaf(
                                "show",
                                "ID [--json]",
                                "the job's misalignment audit: decision, rule and numbers, per category and trigger",
                                this::showAudit))));
    }

    /** A client configured from the environment, as the OpenAI CLI does. */
    static ApiClient clientFromEnvironment(Map<String, String> env, Path home) throws IOException {
        String baseUrl = ApiClient.baseUrl(firstSet(env, "SAFETUNE_BASE_URL", "OPENAI_BASE_URL"), env);
        String key = firstSet(env, "SAFETUNE_API_KEY", "OPENAI_API_KEY");
        if (key == null) {
            Path local = home.resolve(LocalSetup.API_KEY_FILE);
            if (!Files.isRegularFile(local)) {
                throw new Command.Failure(
                        "no API key: set SAFETUNE_API_KEY (or OPENAI_API_KEY), or run ./safetune serve once locally");
            }
            key = Files.readString(local).strip();
        }
        return new ApiClient(baseUrl, key);
    }

    private static String firstSet(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    private ApiClient api() throws IOException {
        if (client == null) {
            client = clients.client();
        }
        return client;
    }

    private static String jobPath(Command.Arguments a) {
        return "/v1/fine_tuning/jobs/" + a.positional().getFirst();
    }

    private static String limit(Command.Arguments a, String fallback) {
        return a.intOption("--limit")
                .map(String::valueOf)
                .or(() -> Optional.ofNullable(fallback))
                .map(n -> "?limit=" + n)
                .orElse("");
    }

    private int printEvents(Command.Arguments a) throws IOException {
        ApiClient.Response job = api().get(jobPath(a));
        if (job.status() / 100 != 2) {
            return printObject(job);
        }
        for (JsonNode e : api().eventsAfter(a.positional().getFirst(), null)) {
            out.printf(
                    Locale.ROOT,
                    "%s %-5s %s%n",
                    Instant.ofEpochSecond(e.path("created_at").asLong()),
                    e.path("level").asString(),
                    e.path("message").asString());
        }
        return 0;
    }

    private int showAudit(Command.Arguments a) throws IOException {
        ApiClient.Response audit = api().get(jobPath(a) + "/audit");
        if (audit.status() / 100 != 2 || a.has("--json")) {
            return printObject(audit);
        }
        out.print(AuditReportText.format(audit.body()));
        return "blocked".equals(audit.body().path("decision").asString("")) ? 1 : 0;
    }

    private int uploadFile(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new Command.UsageException("no such file: " + path);
        }
        try (InputStream in = Files.newInputStream(path)) {
            ApiClient.Response response = api().uploadFile(path.getFileName().toString(), in);
            if (response.status() / 100 != 2) {
                return printObject(response);
            }
            JsonNode file = response.body();
            out.println(describeFile(file));
            for (JsonNode error : file.path("validation").path("errors")) {
                out.printf(
                        Locale.ROOT,
                        "  line %d %s: %s%n",
                        error.path("line").asInt(),
                        error.path("field").asString(""),
                        error.path("message").asString());
            }
            return "processed".equals(file.path("status").asString()) ? 0 : 1;
        }
    }

    private int createJob(Command.Arguments a) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", a.required("--model"));
        body.put("training_file", a.required("--training-file"));
        a.option("--validation-file").ifPresent(v -> body.put("validation_file", v));
        a.option("--suffix").ifPresent(v -> body.put("suffix", v));
        a.intOption("--seed").ifPresent(v -> body.put("seed", v));
        Map<String, Object> hp = new HashMap<>();
        a.intOption("--epochs").ifPresent(v -> hp.put("n_epochs", v));
        a.intOption("--batch-size").ifPresent(v -> hp.put("batch_size", v));
        a.doubleOption("--lr-multiplier").ifPresent(v -> hp.put("learning_rate_multiplier", v));
        if (!hp.isEmpty()) {
            body.put("hyperparameters", hp);
        }
        ApiClient.Response response = api().post("/v1/fine_tuning/jobs", body);
        if (response.status() / 100 != 2) {
            return printObject(response);
        }
        out.println(describeJob(response.body()));
        return a.has("--follow") ? follow(response.body().path("id").asString()) : 0;
    }

    private int follow(String jobId) throws IOException, InterruptedException {
        ApiClient.Response job = api().get("/v1/fine_tuning/jobs/" + jobId);
        if (job.status() / 100 != 2) {
            return printObject(job);
        }
        JobFollower.Followed followed = new JobFollower(api(), out, interactive).follow(jobId);
        out.println(describeJob(followed.job()));
        return "succeeded".equals(followed.job().path("status").asString()) ? 0 : 1;
    }

    private int printObject(ApiClient.Response response) {
        out.println(response.body().toPrettyString());
        return response.status() / 100 == 2 ? 0 : 1;
    }

    private int printList(ApiClient.Response list, Function<JsonNode, String> describe) {
        if (list.status() / 100 != 2) {
            return printObject(list);
        }
        list.body().path("data").forEach(item -> out.println(describe.apply(item)));
        return 0;
    }

    private String describeFile(JsonNode f) {
        String details = f.path("status_details").isString()
                ? "  " + f.path("status_details").asString()
                : "";
        return String.format(
                Locale.ROOT,
                "%s  %-10s %9d bytes  %s%s",
                f.path("id").asString(),
                f.path("status").asString(),
                f.path("bytes").asLong(),
                f.path("filename").asString(),
                details);
    }

    private String describeJob(JsonNode j) {
        String model = j.path("fine_tuned_model").isString()
                ? "  -> " + j.path("fine_tuned_model").asString()
                : "";
        String error = j.path("error").path("message").isString()
                ? "  error: " + j.path("error").path("message").asString()
                : "";
        return String.format(
                Locale.ROOT,
                "%s  %-10s %s%s%s",
                j.path("id").asString(),
                j.path("status").asString(),
                j.path("model").asString(),
                model,
                error);
    }

    private String describeCheckpoint(JsonNode c) {
        return String.format(
                Locale.ROOT,
                "%s  step %5d  train loss %.3f  %s",
                c.path("id").asString(),
                c.path("step_number").asInt(),
                c.path("metrics").path("train_loss").asDouble(),
                c.path("fine_tuned_model_checkpoint").asString());
    }
}

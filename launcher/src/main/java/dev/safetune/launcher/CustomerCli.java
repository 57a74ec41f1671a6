package dev.safetune.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The customer commands of {@code ./safetune}: {@code files …}, {@code jobs …}, {@code audit show}, against any
 * SafeTune (or OpenAI-compatible) endpoint. Like the OpenAI CLI it reads the endpoint and key from the environment:
 * {@code SAFETUNE_BASE_URL} or {@code OPENAI_BASE_URL}, and {@code SAFETUNE_API_KEY} or {@code OPENAI_API_KEY},
 * falling back to the local platform ({@code http://127.0.0.1:8080} and {@code $SAFETUNE_HOME/local-api-key}).
 */
final class CustomerCli {
    static final String USAGE = """
              files upload PATH         upload a JSONL training file (prints its validation report)
              files list | files get ID | files delete ID
              jobs create --model M --training-file FILE_ID [--validation-file ID] [--epochs N]
                          [--batch-size N] [--lr-multiplier X] [--suffix S] [--seed N] [--follow]
              jobs list [--limit N] | jobs get ID | jobs cancel ID | jobs events ID
              jobs follow ID            progress bar until the job ends (exit 0 when it succeeded)
              audit show ID             the job's misalignment audit report
            """;

    private final ApiClient client;
    private final PrintStream out;
    private final boolean interactive;

    CustomerCli(ApiClient client, PrintStream out, boolean interactive) {
        this.client = client;
        this.out = out;
        this.interactive = interactive;
    }

    /** A client configured from the environment, as the OpenAI CLI does. */
    static ApiClient clientFromEnvironment(Map<String, String> env, Path home) throws IOException {
        String baseUrl = firstSet(env, "SAFETUNE_BASE_URL", "OPENAI_BASE_URL");
        baseUrl = baseUrl == null ? "http://127.0.0.1:" + env.getOrDefault("SAFETUNE_PORT", "8080") : baseUrl;
        // OpenAI base URLs end in /v1; this client adds the /v1 of each path itself.
        baseUrl = baseUrl.replaceAll("/+$", "").replaceAll("/v1$", "");
        String key = firstSet(env, "SAFETUNE_API_KEY", "OPENAI_API_KEY");
        if (key == null) {
            Path local = home.resolve("local-api-key");
            if (!Files.isRegularFile(local)) {
                throw new IllegalArgumentException(
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

    /** Runs one command; returns the process exit code. */
    int run(List<String> args) throws IOException, InterruptedException {
        if (args.size() < 2) {
            return usage();
        }
        Flags flags = Flags.parse(args.subList(2, args.size()));
        String command = args.get(0) + " " + args.get(1);
        return switch (command) {
            case "files upload" -> uploadFile(Path.of(flags.positional(0, "PATH")));
            case "files list" -> printList(client.get("/v1/files").ok(), this::describeFile);
            case "files get" -> printObject(client.get("/v1/files/" + flags.positional(0, "ID")));
            case "files delete" -> printObject(client.delete("/v1/files/" + flags.positional(0, "ID")));
            case "jobs create" -> createJob(flags);
            case "jobs list" ->
                printList(
                        client.get("/v1/fine_tuning/jobs?limit=" + flags.value("limit", "20"))
                                .ok(),
                        this::describeJob);
            case "jobs get" -> printObject(client.get("/v1/fine_tuning/jobs/" + flags.positional(0, "ID")));
            case "jobs cancel" ->
                printObject(client.post("/v1/fine_tuning/jobs/" + flags.positional(0, "ID") + "/cancel", Map.of()));
            case "jobs events" -> {
                for (JsonNode e : client.eventsAfter(flags.positional(0, "ID"), null)) {
                    out.printf(
                            Locale.ROOT,
                            "%s %-5s %s%n",
                            e.path("created_at").asLong(),
                            e.path("level").asString(),
                            e.path("message").asString());
                }
                yield 0;
            }
            case "jobs follow" -> follow(flags.positional(0, "ID"));
            case "audit show" -> {
                ApiClient.Response audit = client.get("/v1/fine_tuning/jobs/" + flags.positional(0, "ID") + "/audit");
                if (audit.status() == 404) {
                    out.println("No audit report for this job (the audit gate is not enabled on this platform yet).");
                    yield 1;
                }
                yield printObject(audit);
            }
            default -> usage();
        };
    }

    private int usage() {
        out.print("usage: safetune <command>\n" + USAGE);
        return 2;
    }

    private int uploadFile(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            ApiClient.Response response = client.uploadFile(path.getFileName().toString(), in);
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

    private int createJob(Flags flags) throws InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", flags.required("model"));
        body.put("training_file", flags.required("training-file"));
        flags.optional("validation-file").ifPresent(v -> body.put("validation_file", v));
        flags.optional("suffix").ifPresent(v -> body.put("suffix", v));
        flags.optional("seed").ifPresent(v -> body.put("seed", Long.parseLong(v)));
        Map<String, Object> hp = new HashMap<>();
        flags.optional("epochs").ifPresent(v -> hp.put("n_epochs", Integer.parseInt(v)));
        flags.optional("batch-size").ifPresent(v -> hp.put("batch_size", Integer.parseInt(v)));
        flags.optional("lr-multiplier").ifPresent(v -> hp.put("learning_rate_multiplier", Double.parseDouble(v)));
        if (!hp.isEmpty()) {
            body.put("hyperparameters", hp);
        }
        ApiClient.Response response = client.post("/v1/fine_tuning/jobs", body);
        if (response.status() / 100 != 2) {
            return printObject(response);
        }
        out.println(describeJob(response.body()));
        return flags.has("follow") ? follow(response.body().path("id").asString()) : 0;
    }

    private int follow(String jobId) throws InterruptedException {
        JobFollower.Followed followed = new JobFollower(client, out, interactive).follow(jobId);
        out.println(describeJob(followed.job()));
        return "succeeded".equals(followed.job().path("status").asString()) ? 0 : 1;
    }

    private int printObject(ApiClient.Response response) {
        out.println(response.body().toPrettyString());
        return response.status() / 100 == 2 ? 0 : 1;
    }

    private int printList(JsonNode list, java.util.function.Function<JsonNode, String> describe) {
        list.path("data").forEach(item -> out.println(describe.apply(item)));
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

    /** {@code --name value} flags, {@code --flag} switches and positional arguments. */
    record Flags(Map<String, String> named, List<String> positional) {
        static Flags parse(List<String> args) {
            Map<String, String> named = new HashMap<>();
            List<String> positional = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (arg.startsWith("--")) {
                    boolean hasValue = i + 1 < args.size() && !args.get(i + 1).startsWith("--");
                    named.put(arg.substring(2), hasValue ? args.get(++i) : "true");
                } else {
                    positional.add(arg);
                }
            }
            return new Flags(named, positional);
        }

        String positional(int index, String name) {
            if (index >= positional.size()) {
                throw new IllegalArgumentException("missing argument " + name);
            }
            return positional.get(index);
        }

        String required(String name) {
            return optional(name).orElseThrow(() -> new IllegalArgumentException("missing --" + name));
        }

        java.util.Optional<String> optional(String name) {
            return java.util.Optional.ofNullable(named.get(name));
        }

        String value(String name, String fallback) {
            return named.getOrDefault(name, fallback);
        }

        boolean has(String name) {
            return named.containsKey(name);
        }
    }
}

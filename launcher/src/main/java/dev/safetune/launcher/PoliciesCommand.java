package dev.safetune.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./safetune admin policies …}: the safety team's policy versions and the default, through
 * {@code /admin/safety-policies}. Writing needs a key with role {@code safety} ({@code SAFETUNE_SAFETY_KEY}); without
 * one the admin key is used, which may read but not write. The API validates documents and answers each field at
 * fault; this command prints them one per line.
 */
final class PoliciesCommand {
    private static final String PATH = "/admin/safety-policies";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AdminCli.ClientSource clients;
    private final PrintStream out;
    private final PrintStream err;

    PoliciesCommand(AdminCli.ClientSource clients, PrintStream out, PrintStream err) {
        this.clients = clients;
        this.out = out;
        this.err = err;
    }

    Command command() {
        return Command.group(
                "policies",
                "safety policies (docs/safety-policies.md): versions are created, never edited; jobs pin one.\n"
                        + "Key: SAFETUNE_SAFETY_KEY (role safety) or else SAFETUNE_ADMIN_KEY, which only reads",
                List.of(
                        Command.leaf(
                                "list",
                                "[--name NAME]",
                                "every version, newest first: id, name, version, default (*), created, reason",
                                a -> list(a.option("--name")
                                        .map(n -> PATH + "?limit=100&name=" + n)
                                        .orElse(PATH + "?limit=100"))),
                        Command.leaf(
                                "show",
                                "ID",
                                "one version and its document",
                                a -> show(a.positional().getFirst())),
                        Command.leaf(
                                "create",
                                "--name N --file F --reason R",
                                "store the policy document in file F (JSON) as the next version of policy N",
                                this::create),
                        Command.leaf(
                                "set-default",
                                "ID --reason R",
                                "pin new jobs to version ID from now on; jobs already created keep theirs",
                                a -> setDefault(a.positional().getFirst(), a.required("--reason"))),
                        Command.leaf(
                                "diff",
                                "A B",
                                "the fields that change from version A to version B, and whether B is stricter",
                                a -> diff(a.positional().get(0), a.positional().get(1)))));
    }

    private int list(String path) {
        ApiClient.Response response = clients.safetyClient().get(path);
        if (failed(response)) {
            return 1;
        }
        String row = "%-28s %-20s %7s %-1s %-20s %s%n";
        out.printf(Locale.ROOT, row, "ID", "NAME", "VERSION", "", "CREATED", "REASON");
        for (JsonNode policy : response.body().path("data")) {
            out.printf(
                    Locale.ROOT,
                    row,
                    policy.path("id").asString(),
                    policy.path("name").asString(),
                    policy.path("version").asInt(),
                    policy.path("is_default").asBoolean() ? "*" : "",
                    time(policy.path("created_at")),
                    policy.path("reason").asString());
        }
        return 0;
    }

    private int show(String id) {
        ApiClient.Response response = clients.safetyClient().get(PATH + "/" + id);
        if (failed(response)) {
            return 1;
        }
        JsonNode policy = response.body();
        out.println(describe(policy) + (policy.path("is_default").asBoolean() ? " (default)" : ""));
        out.println("created " + time(policy.path("created_at")) + " by "
                + policy.path("created_by").asString("the platform") + ": "
                + policy.path("reason").asString());
        out.println("sha256 " + policy.path("sha256").asString());
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(policy.path("document")));
        return 0;
    }

    private int create(Command.Arguments a) {
        Path file = Path.of(a.required("--file"));
        JsonNode document;
        try {
            document = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new Command.Failure("cannot read " + file + ": " + e.getMessage());
        } catch (JacksonException e) {
            throw new Command.Failure(file + " is not JSON: " + e.getOriginalMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", a.required("--name"));
        body.put("document", document);
        body.put("reason", a.required("--reason"));
        ApiClient.Response response = clients.safetyClient().post(PATH, body);
        if (failed(response)) {
            return 1;
        }
        out.println("Created " + describe(response.body()) + ", sha256 "
                + response.body().path("sha256").asString());
        return 0;
    }

    private int setDefault(String id, String reason) {
        ApiClient.Response response =
                clients.safetyClient().put(PATH + "/default", Map.of("policy_id", id, "reason", reason));
        if (failed(response)) {
            return 1;
        }
        out.println("The default is now " + describe(response.body())
                + "; jobs created before keep the version they were pinned to.");
        return 0;
    }

    private int diff(String from, String to) {
        ApiClient.Response response = clients.safetyClient().get(PATH + "/" + from + "/diff/" + to);
        if (failed(response)) {
            return 1;
        }
        JsonNode diff = response.body();
        for (JsonNode change : diff.path("changes")) {
            out.println(change.path("field").asString() + ": " + change.path("before") + " -> " + change.path("after"));
        }
        if (diff.path("changes").isEmpty()) {
            out.println("No field differs.");
        }
        if (diff.path("stricter_or_equal").asBoolean()) {
            out.println(to + " is stricter than or equal to " + from + ".");
        } else {
            out.println(to + " is weaker than " + from + ":");
            for (JsonNode weaker : diff.path("weakenings")) {
                out.println("  " + weaker.path("field").asString() + ": "
                        + weaker.path("message").asString());
            }
        }
        return 0;
    }

    private static String describe(JsonNode policy) {
        return policy.path("name").asString() + " v" + policy.path("version").asInt() + " ("
                + policy.path("id").asString() + ")";
    }

    /** Prints a refusal: its detail, and each field at fault from {@code errors[]}; true when refused. */
    private boolean failed(ApiClient.Response response) {
        if (response.status() / 100 == 2) {
            return false;
        }
        JsonNode body = response.body();
        err.println("safetune admin policies: HTTP " + response.status() + ": "
                + body.path("detail").asString(body.toString()));
        for (JsonNode error : body.path("errors")) {
            err.println("  " + error.path("field").asString() + ": "
                    + error.path("message").asString());
        }
        return true;
    }

    private static String time(JsonNode epochSeconds) {
        return epochSeconds.isNull() || epochSeconds.isMissingNode()
                ? "-"
                : Instant.ofEpochSecond(epochSeconds.asLong()).toString();
    }
}

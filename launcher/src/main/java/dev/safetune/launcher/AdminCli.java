package dev.safetune.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./safetune admin …}: onboarding through the admin API, for operators. The endpoint is
 * {@code SAFETUNE_BASE_URL} (default {@code http://127.0.0.1:$SAFETUNE_PORT}); the key is {@code SAFETUNE_ADMIN_KEY}
 * or the local platform's {@code $SAFETUNE_HOME/local-admin-key}. A new key is printed once, on its own line, and
 * never again: the API does not keep it.
 */
final class AdminCli {
    static final String USAGE = """
              admin orgs create NAME    create an organisation (operators: SAFETUNE_ADMIN_KEY or local-admin-key)
              admin orgs list
              admin keys create ORG_ID [--role member|admin|safety] [--name NAME]
                                        issue an API key (default role member); the key is printed only this once
              admin keys list ORG_ID    prefix, role, created, last used, revoked (never the key)
              admin keys rotate ORG_ID KEY_ID
                                        issue a replacement key (printed once) and revoke the old one
              admin keys revoke ORG_ID KEY_ID
                                        revoke a key: its next request is refused (401)
            """;

    private static final Map<String, String> COMMAND_USAGE = Map.of(
            "orgs create", "admin orgs create NAME",
            "orgs list", "admin orgs list",
            "keys create", "admin keys create ORG_ID [--role member|admin|safety] [--name NAME]",
            "keys list", "admin keys list ORG_ID",
            "keys rotate", "admin keys rotate ORG_ID KEY_ID",
            "keys revoke", "admin keys revoke ORG_ID KEY_ID");

    private final PrintStream out;
    private final PrintStream err;

    AdminCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** The command line's entry: {@code args} follow {@code admin}. Returns the exit code. */
    static int main(List<String> args) {
        return new AdminCli(System.out, System.err).run(args, System.getenv(), LocalSetup.home());
    }

    int run(List<String> args, Map<String, String> env, Path home) {
        String command = args.size() >= 2 ? args.get(0) + " " + args.get(1) : "";
        List<String> rest = args.size() >= 2 ? args.subList(2, args.size()) : List.of();
        if (!COMMAND_USAGE.containsKey(command)) {
            boolean help = args.isEmpty() || args.contains("--help") || args.contains("-h");
            (help ? out : err).print("usage: safetune\n" + USAGE);
            return help ? 0 : 2;
        }
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println("usage: safetune " + COMMAND_USAGE.get(command));
            return 0;
        }
        try {
            Arguments parsed = Arguments.parse(rest);
            ApiClient client = client(env, home);
            return switch (command) {
                case "orgs create" ->
                    created(client.post(
                            "/admin/organizations", Map.of("name", String.join(" ", parsed.positional(1, 1, "NAME")))));
                case "orgs list" -> listOrganizations(client.get("/admin/organizations"), parsed);
                case "keys create" -> createKey(client, parsed);
                case "keys list" -> listKeys(client, parsed);
                case "keys rotate" -> issued(client.post(keyPath(parsed) + "/rotate", Map.of()), "Rotated");
                case "keys revoke" -> revoked(client.post(keyPath(parsed) + "/revoke", Map.of()));
                default -> throw new IllegalStateException(command);
            };
        } catch (IllegalArgumentException e) {
            err.println("safetune admin " + command + ": " + e.getMessage());
            err.println("usage: safetune " + COMMAND_USAGE.get(command));
            return 2;
        }
    }

    /** The admin API's endpoint and key, from the environment or the local platform's key file. */
    static ApiClient client(Map<String, String> env, Path home) {
        String baseUrl = env.get("SAFETUNE_BASE_URL");
        baseUrl = baseUrl == null || baseUrl.isBlank()
                ? "http://127.0.0.1:" + env.getOrDefault("SAFETUNE_PORT", "8080")
                : baseUrl.replaceAll("/+$", "").replaceAll("/v1$", "");
        String key = env.get("SAFETUNE_ADMIN_KEY");
        if (key == null || key.isBlank()) {
            Path local = home.resolve(LocalSetup.ADMIN_KEY_FILE);
            if (!Files.isRegularFile(local)) {
                throw new IllegalArgumentException("no admin key: set SAFETUNE_ADMIN_KEY, or run ./safetune serve once"
                        + " locally (it writes " + LocalSetup.ADMIN_KEY_FILE + ")");
            }
            try {
                key = Files.readString(local).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + local + ": " + e.getMessage());
            }
        }
        return new ApiClient(baseUrl, key.strip());
    }

    private int createKey(ApiClient client, Arguments parsed) {
        String org = parsed.positional(1, 1, "ORG_ID").getFirst();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", parsed.named.getOrDefault("role", "member"));
        if (parsed.named.containsKey("name")) {
            body.put("name", parsed.named.get("name"));
        }
        return issued(client.post("/admin/organizations/" + org + "/api_keys", body), "Issued");
    }

    private int created(ApiClient.Response response) {
        if (failed(response)) {
            return 1;
        }
        JsonNode org = response.body();
        out.println("Created organisation " + org.path("id").asString() + " ("
                + org.path("name").asString() + ")");
        return 0;
    }

    private int issued(ApiClient.Response response, String verb) {
        if (failed(response)) {
            return 1;
        }
        JsonNode key = response.body();
        out.println(verb + " " + key.path("role").asString() + " key "
                + key.path("id").asString() + " for "
                + key.path("organization_id").asString() + ". The key is shown only this once; store it now:");
        out.println(key.path("key").asString());
        return 0;
    }

    private int revoked(ApiClient.Response response) {
        if (failed(response)) {
            return 1;
        }
        out.println("Revoked key " + response.body().path("id").asString() + "; requests with it are now refused.");
        return 0;
    }

    private int listOrganizations(ApiClient.Response response, Arguments parsed) {
        parsed.positional(0, 0, "");
        if (failed(response)) {
            return 1;
        }
        out.printf(Locale.ROOT, "%-28s %-20s %s%n", "ID", "CREATED", "NAME");
        for (JsonNode org : response.body().path("data")) {
            out.printf(
                    Locale.ROOT,
                    "%-28s %-20s %s%n",
                    org.path("id").asString(),
                    time(org.path("created_at")),
                    org.path("name").asString());
        }
        return 0;
    }

    private int listKeys(ApiClient client, Arguments parsed) {
        String org = parsed.positional(1, 1, "ORG_ID").getFirst();
        ApiClient.Response response = client.get("/admin/organizations/" + org + "/api_keys");
        if (failed(response)) {
            return 1;
        }
        out.printf(
                Locale.ROOT,
                "%-28s %-16s %-7s %-20s %-20s %-20s %s%n",
                "ID",
                "PREFIX",
                "ROLE",
                "CREATED",
                "LAST USED",
                "REVOKED",
                "NAME");
        for (JsonNode key : response.body().path("data")) {
            out.printf(
                    Locale.ROOT,
                    "%-28s %-16s %-7s %-20s %-20s %-20s %s%n",
                    key.path("id").asString(),
                    key.path("prefix").asString() + "…",
                    key.path("role").asString(),
                    time(key.path("created_at")),
                    time(key.path("last_used_at")),
                    time(key.path("revoked_at")),
                    key.path("name").asString());
        }
        return 0;
    }

    private static String keyPath(Arguments parsed) {
        List<String> ids = parsed.positional(2, 2, "ORG_ID KEY_ID");
        return "/admin/organizations/" + ids.get(0) + "/api_keys/" + ids.get(1);
    }

    /** Prints the problem detail of a refused request; true when it was refused. */
    private boolean failed(ApiClient.Response response) {
        if (response.status() / 100 == 2) {
            return false;
        }
        JsonNode body = response.body();
        String detail =
                body.path("detail").asString(body.path("error").path("message").asString(body.toString()));
        err.println("safetune admin: HTTP " + response.status() + ": " + detail);
        return true;
    }

    private static String time(JsonNode epochSeconds) {
        return epochSeconds.isNull() || epochSeconds.isMissingNode()
                ? "-"
                : java.time.Instant.ofEpochSecond(epochSeconds.asLong()).toString();
    }

    /** Positional arguments and {@code --name value} options. */
    private record Arguments(List<String> positional, Map<String, String> named) {
        static Arguments parse(List<String> args) {
            List<String> positional = new ArrayList<>();
            Map<String, String> named = new LinkedHashMap<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (arg.startsWith("--")) {
                    String name = arg.substring(2);
                    if (!name.equals("role") && !name.equals("name")) {
                        throw new IllegalArgumentException("unknown option " + arg);
                    }
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    named.put(name, args.get(++i));
                } else {
                    positional.add(arg);
                }
            }
            return new Arguments(positional, named);
        }

        /** Between {@code min} and {@code max} positional arguments (NAME may be several words). */
        List<String> positional(int min, int max, String names) {
            boolean severalWords = names.equals("NAME");
            if (positional.size() < min || (!severalWords && positional.size() > max)) {
                throw new IllegalArgumentException(
                        max == 0
                                ? "takes no arguments"
                                : "expected " + names + ", got " + positional.size() + " argument(s)");
            }
            return positional;
        }
    }
}

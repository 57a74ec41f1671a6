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
import tools.jackson.databind.JsonNode;

/**
 * {@code ./safetune admin …}: onboarding through the admin API, for operators. The endpoint is
 * {@code SAFETUNE_BASE_URL} (default {@code http://127.0.0.1:$SAFETUNE_PORT}); the key is {@code SAFETUNE_ADMIN_KEY}
 * or the local platform's {@code $SAFETUNE_HOME/local-admin-key}. A new key is printed once, on its own line, and
 * never again: the API does not keep it. Dispatch, {@code --help} and usage errors are {@link Command}'s.
 */
final class AdminCli {
    /** Made only when a command calls the API, so {@code --help} and usage errors need no key. */
    interface ClientSource {
        ApiClient client();

        /** The client for safety policies: a safety key where one is configured, else {@link #client()}. */
        default ApiClient safetyClient() {
            return client();
        }
    }

    /**
     * The clients for {@code admin} commands from the environment: {@link #clientFromEnvironment} for operators, and
     * {@code SAFETUNE_SAFETY_KEY} for safety policies when it is set.
     */
    static ClientSource clients(Map<String, String> env, Path home) {
        return new ClientSource() {
            @Override
            public ApiClient client() {
                return clientFromEnvironment(env, home);
            }

            @Override
            public ApiClient safetyClient() {
                String key = env.get("SAFETUNE_SAFETY_KEY");
                return key == null || key.isBlank()
                        ? client()
                        : new ApiClient(ApiClient.baseUrl(env.get("SAFETUNE_BASE_URL"), env), key.strip());
            }
        };
    }

    private final ClientSource clients;
    private final PrintStream out;
    private final PrintStream err;

    AdminCli(ClientSource clients, PrintStream out, PrintStream err) {
        this.clients = clients;
        this.out = out;
        this.err = err;
    }

    /**
     * The {@code admin} group: {@code orgs create|list}, {@code keys create|list|rotate|revoke} and the safety team's
     * {@code policies} ({@link PoliciesCommand}), and operators' {@code files release|reject} ({@link
     * FileReviewCommand}).
     */
    Command command() {
        return Command.group(
                "admin",
                "operators: organisations and their API keys, through the admin API with SAFETUNE_ADMIN_KEY\n"
                        + "(default: $SAFETUNE_HOME/local-admin-key, written by serve and demo)",
                List.of(
                        Command.group(
                                "orgs",
                                "organisations (tenants)",
                                List.of(
                                        Command.leaf(
                                                "create",
                                                "NAME",
                                                "create an organisation and print its id (quote a NAME with spaces)",
                                                a -> created(clients.client()
                                                        .post(
                                                                "/admin/organizations",
                                                                Map.of(
                                                                        "name",
                                                                        a.positional()
                                                                                .getFirst())))),
                                        Command.leaf(
                                                "list",
                                                "",
                                                "every organisation: id, created, name",
                                                a -> listOrganizations(
                                                        clients.client().get("/admin/organizations"))))),
                        Command.group(
                                "keys",
                                "an organisation's API keys",
                                List.of(
                                        Command.leaf(
                                                "create",
                                                "ORG_ID [--role ROLE] [--name NAME]",
                                                "issue an API key; ROLE is member (default), admin or safety;\n"
                                                        + "the key is printed only this once",
                                                this::createKey),
                                        Command.leaf(
                                                "list",
                                                "ORG_ID",
                                                "id, prefix, role, created, last used, revoked, name (never the key)",
                                                a -> listKeys(clients.client().get(keysPath(a)))),
                                        Command.leaf(
                                                "rotate",
                                                "ORG_ID KEY_ID",
                                                "issue a replacement key (printed once) and revoke the old one",
                                                a -> issued(
                                                        clients.client().post(keyPath(a) + "/rotate", Map.of()),
                                                        "Rotated")),
                                        Command.leaf(
                                                "revoke",
                                                "ORG_ID KEY_ID",
                                                "revoke a key: its next request is refused (401)",
                                                a -> revoked(
                                                        clients.client().post(keyPath(a) + "/revoke", Map.of()))))),
                        new PoliciesCommand(clients, out, err).command(),
                        new FileReviewCommand(clients, out, err).command()));
    }

    /** The admin API's endpoint and key, from the environment or the local platform's key file. */
    static ApiClient clientFromEnvironment(Map<String, String> env, Path home) {
        String baseUrl = ApiClient.baseUrl(env.get("SAFETUNE_BASE_URL"), env);
        String key = env.get("SAFETUNE_ADMIN_KEY");
        if (key == null || key.isBlank()) {
            Path local = home.resolve(LocalSetup.ADMIN_KEY_FILE);
            if (!Files.isRegularFile(local)) {
                throw new Command.Failure("no admin key: set SAFETUNE_ADMIN_KEY, or run ./safetune serve once locally"
                        + " (it writes " + local + ")");
            }
            try {
                key = Files.readString(local).strip();
            } catch (IOException e) {
                throw new Command.Failure("cannot read " + local + ": " + e.getMessage());
            }
        }
        return new ApiClient(baseUrl, key.strip());
    }

    private int createKey(Command.Arguments a) {
        Map<String, Object> body = new LinkedHashMap<>();
        // The API checks the role and answers a problem naming it, so an unknown one is refused in one place.
        body.put("role", a.option("--role").orElse("member"));
        a.option("--name").ifPresent(name -> body.put("name", name));
        return issued(clients.client().post(keysPath(a), body), "Issued");
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

    private int listOrganizations(ApiClient.Response response) {
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

    private int listKeys(ApiClient.Response response) {
        if (failed(response)) {
            return 1;
        }
        String row = "%-28s %-16s %-7s %-20s %-20s %-20s %s%n";
        out.printf(Locale.ROOT, row, "ID", "PREFIX", "ROLE", "CREATED", "LAST USED", "REVOKED", "NAME");
        for (JsonNode key : response.body().path("data")) {
            out.printf(
                    Locale.ROOT,
                    row,
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

    private static String keysPath(Command.Arguments a) {
        return "/admin/organizations/" + a.positional().getFirst() + "/api_keys";
    }

    private static String keyPath(Command.Arguments a) {
        return keysPath(a) + "/" + a.positional().get(1);
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
                : Instant.ofEpochSecond(epochSeconds.asLong()).toString();
    }
}

package dev.safetune.launcher;

import dev.safetune.core.id.Ids;
import dev.safetune.worker.model.BaseModelGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything {@code demo} and {@code serve} share: the local home directory, its database, the bundled base model
 * and two local keys (a member key for the customer commands, a separate admin key for {@code admin} commands and
 * metrics), then the platform started on them.
 */
final class LocalSetup implements AutoCloseable {
    static final String BASE_MODEL = "safetune-tiny";
    static final long BASE_MODEL_SEED = 42;
    static final String API_KEY_FILE = "local-api-key";
    static final String ADMIN_KEY_FILE = "local-admin-key";

    private final LocalDatabase database;
    private final Platform platform;
    private final String apiKey;
    private final String adminKey;

    private LocalSetup(LocalDatabase database, Platform platform, String apiKey, String adminKey) {
        this.database = database;
        this.platform = platform;
        this.apiKey = apiKey;
        this.adminKey = adminKey;
    }

    static Path home() {
        String configured = System.getenv("SAFETUNE_HOME");
        return Path.of(configured == null || configured.isBlank() ? ".safetune" : configured)
                .toAbsolutePath();
    }

    /**
     * @param quiet only warnings from the apps' logs (the demo prints its own progress); otherwise the usual INFO
     */
    static LocalSetup start(Path home, int apiPort, boolean quiet, PrintStream out) throws IOException {
        Files.createDirectories(home);
        ensureBaseModel(home, out);
        String apiKey = localKey(home, "SAFETUNE_BOOTSTRAP_API_KEY", API_KEY_FILE);
        String adminKey = localKey(home, "SAFETUNE_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY_FILE);
        LocalDatabase database = LocalDatabase.resolve(home);
        out.println("Database: " + database.description());
        try {
            Map<String, Object> common = new HashMap<>(Map.of(
                    "spring.datasource.url", database.jdbcUrl(),
                    "safetune.artifacts-dir", home.resolve("artifacts").toString(),
                    "safetune.models-dir", home.resolve("models").toString(),
                    // DJL warns on every CPU-only start that it cannot count GPUs; that is expected here.
                    "logging.level.ai.djl.util.cuda", "ERROR"));
            if (quiet) {
                common.put("logging.level.root", "WARN");
                common.put("spring.main.banner-mode", "off");
            }
            Platform platform = Platform.start(
                    common,
                    Map.of("safetune.bootstrap-api-key", apiKey, "safetune.bootstrap-admin-key", adminKey),
                    apiPort,
                    1);
            return new LocalSetup(database, platform, apiKey, adminKey);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Creates the bundled base model the first time; later runs reuse it. */
    static Path ensureBaseModel(Path home, PrintStream out) throws IOException {
        Path dir = home.resolve("models").resolve(BASE_MODEL);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            out.println("Creating base model " + BASE_MODEL + " (seed " + BASE_MODEL_SEED + ") in " + dir);
            long start = System.nanoTime();
            BaseModelGenerator.generate(dir, BASE_MODEL, BASE_MODEL_SEED);
            out.printf("Base model ready in %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        return dir;
    }

    /**
     * A key local runs use: the environment variable {@code variable} when set, else one generated once and kept in
     * {@code <home>/<file>} (owner-only), so every local run can call the API without printing a secret. The member
     * key is {@value #API_KEY_FILE}, the admin key {@value #ADMIN_KEY_FILE}.
     */
    private static String localKey(Path home, String variable, String fileName) throws IOException {
        String configured = System.getenv(variable);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Path file = home.resolve(fileName);
        if (Files.isRegularFile(file)) {
            return Files.readString(file).strip();
        }
        String key = "sk-st-" + Ids.randomToken(40);
        Files.writeString(file, key + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return key;
    }

    Platform platform() {
        return platform;
    }

    String apiKey() {
        return apiKey;
    }

    String adminKey() {
        return adminKey;
    }

    @Override
    public void close() throws IOException {
        platform.close();
        database.close();
    }
}

package dev.safetune.launcher;

import dev.safetune.core.id.Ids;
import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything {@code demo} and {@code serve} share: the local home directory, its database, the bundled base model
 * and a local API key, then the platform started on them.
 */
final class LocalSetup implements AutoCloseable {
    static final String BASE_MODEL = "safetune-tiny";
    static final long BASE_MODEL_SEED = 42;

    private final LocalDatabase database;
    private final Platform platform;
    private final String apiKey;

    private LocalSetup(LocalDatabase database, Platform platform, String apiKey) {
        this.database = database;
        this.platform = platform;
        this.apiKey = apiKey;
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
        String apiKey = apiKey(home);
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
            Platform platform = Platform.start(common, Map.of("safetune.bootstrap-api-key", apiKey), apiPort, 1);
            return new LocalSetup(database, platform, apiKey);
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
     * The key scripts use locally: {@code SAFETUNE_BOOTSTRAP_API_KEY} when set, else one generated once and kept in
     * {@code <home>/local-api-key} (owner-only), so every local run can call the API without printing a secret.
     */
    private static String apiKey(Path home) throws IOException {
        String configured = System.getenv("SAFETUNE_BOOTSTRAP_API_KEY");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        Path file = home.resolve("local-api-key");
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

    @Override
    public void close() throws IOException {
        platform.close();
        database.close();
    }
}

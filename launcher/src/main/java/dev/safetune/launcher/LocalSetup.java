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
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Everything {@code demo} and {@code serve} share: the local home directory, its database, the bundled base model
 * and two local keys (a member key for the customer commands, a separate admin key for {@code admin} commands and
 * metrics), then the platform started on them.
 */
final class LocalSetup implements AutoCloseable {
    static final String BASE_MODEL = "safetune-tiny";
    static final long BASE_MODEL_SEED = 42;
    /**
     * The bundled base is generated from a seed by the project's own code (no third-party weights), so it carries the
     * project's licence (LICENSE), as an SPDX id like the Hub's model cards.
     */
    static final String BASE_MODEL_LICENCE = "apache-2.0";

    static final String API_KEY_FILE = "local-api-key";
    static final String ADMIN_KEY_FILE = "local-admin-key";

    private final Path home;
    private final LocalDatabase database;
    private final Platform platform;
    private final String apiKey;
    private final String adminKey;
    private final Path logFile;

    private LocalSetup(
            Path home, LocalDatabase database, Platform platform, String apiKey, String adminKey, Path logFile) {
        this.home = home;
        this.database = database;
        this.platform = platform;
        this.apiKey = apiKey;
        this.adminKey = adminKey;
        this.logFile = logFile;
    }

    static Path home() {
        String configured = System.getenv("SAFETUNE_HOME");
        return Path.of(configured == null || configured.isBlank() ? ".safetune" : configured)
                .toAbsolutePath();
    }

    /**
     * @param quiet the apps log only to {@code <home>/logs/safetune.log} (the demo prints its own progress); otherwise
     *     one banner and concise lines on the console: warnings, and SafeTune's own INFO
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
                    "logging.level.ai.djl.util.cuda", "ERROR",
                    // SpringDoc warns that the OpenAPI document is public, which it is by design.
                    "logging.level.org.springdoc.core.events", "ERROR",
                    // One banner for the platform: the API's, and none at all in the demo. Each app's "Starting
                    // SafeTuneCli ..." lines say nothing the launcher does not print itself.
                    "spring.main.banner-mode", "off",
                    "spring.main.log-startup-info", "false"));
            Map<String, Object> api = new HashMap<>(Map.of("safetune.bootstrap-api-key", apiKey));
            Path logFile = null;
            if (quiet) {
                logFile = home.resolve("logs").resolve("safetune.log");
                common.put("logging.config", "classpath:logging/file.xml");
                common.put("logging.file.name", logFile.toString());
                out.println("Logs: " + logFile);
            } else {
                common.put("logging.config", "classpath:logging/console.xml");
                common.put("logging.level.root", "WARN");
                common.put("logging.level.dev.safetune", "INFO");
                api.put("spring.main.banner-mode", "console");
            }
            api.put("safetune.bootstrap-admin-key", adminKey);
            Platform platform = Platform.start(common, api, apiPort, 1);
            recordBaseModelLicence(database.jdbcUrl());
            return new LocalSetup(home, database, platform, apiKey, adminKey, logFile);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * The bundled base is generated on this machine from a seed by SafeTune's own code and holds no third-party
     * weights, so its licence is the project's. The catalogue scan that registers it records no licence (that is the
     * importer's, from a model card), so it is set here, only on the scanned, generated row.
     */
    static void recordBaseModelLicence(String jdbcUrl) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        JdbcClient.create(dataSource)
                .sql("UPDATE models SET licence = :licence WHERE id = :id AND kind = 'base' AND content_digest IS NULL"
                        + " AND licence IS DISTINCT FROM :licence")
                .param("licence", BASE_MODEL_LICENCE)
                .param("id", BASE_MODEL)
                .update();
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

    /**
     * Where the two local keys are, for {@code serve} and {@code demo} to print (never the keys themselves): a file
     * under the home, or the variable that set it.
     */
    String keyLocations() {
        return "member key " + keySource("SAFETUNE_BOOTSTRAP_API_KEY", API_KEY_FILE)
                + " (files, jobs, audit); admin key " + keySource("SAFETUNE_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY_FILE)
                + " (admin commands, metrics)";
    }

    private String keySource(String variable, String fileName) {
        String configured = System.getenv(variable);
        return configured != null && !configured.isBlank() ? "from " + variable : "in " + home.resolve(fileName);
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

    Path homeDir() {
        return home;
    }

    /** Where the apps log, when they log to a file rather than the console. */
    Optional<Path> logFile() {
        return Optional.ofNullable(logFile);
    }

    /** The directory a model's files are stored in, from the models table. */
    Optional<Path> modelPath(String modelId) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(database.jdbcUrl());
        return JdbcClient.create(dataSource)
                .sql("SELECT storage_path FROM models WHERE id = :id")
                .param("id", modelId)
                .query(String.class)
                .optional()
                .map(Path::of);
    }

    /** The folder of a job's audited candidate (what a blocked job trained), for benchmarks on this machine. */
    Optional<Path> auditedCandidatePath(String jobId) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(database.jdbcUrl());
        return JdbcClient.create(dataSource)
                .sql("SELECT candidate_path FROM job_audits WHERE job_id = :id")
                .param("id", jobId)
                .query(String.class)
                .optional()
                .map(Path::of);
    }

    @Override
    public void close() throws IOException {
        platform.close();
        database.close();
    }
}

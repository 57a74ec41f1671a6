package dev.safetune.api.model;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.core.model.ModelCatalog;
import dev.safetune.core.model.ModelShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publishes the base models found in {@code safetune.models-dir}: every subdirectory holding a Hugging Face
 * {@code config.json} is a model whose id is the directory name, with the facts its config gives (family,
 * architecture, parameter count, context length, and the shape memory estimates are computed from). Scanned at start-up and then every
 * {@code safetune.model-scan-interval}, so a model copied in later appears without a restart.
 *
 * <p>The rows are written by the {@link ModelCatalog}, the one writer of {@code models}. They are only added or
 * updated, never deleted: a directory that disappears may be a storage hiccup, and jobs
 * and fine-tuned models keep naming their base model.
 */
@Component
class BaseModelCatalog implements ApplicationRunner, SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(BaseModelCatalog.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SafetuneProperties properties;
    private final JdbcTemplate jdbc;
    private final ModelCatalog catalog = new ModelCatalog();

    BaseModelCatalog(SafetuneProperties properties, JdbcTemplate jdbc) {
        this.properties = properties;
        this.jdbc = jdbc;
    }

    @Override
    public void run(ApplicationArguments args) {
        scan();
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        Duration interval = properties.modelScanInterval();
        registrar.addFixedDelayTask(new FixedDelayTask(this::scanQuietly, interval, interval));
    }

    /** Upserts one row per model directory; returns the ids found. */
    List<String> scan() {
        Path root = properties.modelsDir();
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> found;
        try (Stream<Path> children = Files.list(root)) {
            found = children.filter(dir -> Files.isRegularFile(dir.resolve("config.json")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list models in " + root, e);
        }
        for (Path dir : found) {
            Facts facts = facts(dir.resolve("config.json"));
            ModelCatalog.ScannedBase base = new ModelCatalog.ScannedBase(
                    dir.getFileName().toString(),
                    dir.toAbsolutePath().toString(),
                    facts.family(),
                    facts.architecture(),
                    facts.shape() == null ? null : facts.shape().parameterCount(),
                    facts.shape() == null ? null : facts.shape().maxPositionEmbeddings(),
                    facts.shape() == null ? null : facts.shape().toJson().toString());
            jdbc.execute((ConnectionCallback<Void>) connection -> {
                catalog.upsertScannedBase(connection, base);
                return null;
            });
        }
        return found.stream().map(dir -> dir.getFileName().toString()).toList();
    }

    /** What a model directory's config says; a shape only when every size it needs is there. */
    private record Facts(String family, String architecture, ModelShape shape) {}

    private static Facts facts(Path config) {
        JsonNode json;
        try {
            json = JSON.readTree(config);
        } catch (JacksonException e) {
            log.warn("Base model config {} is not readable JSON: {}", config, e.toString());
            return new Facts(null, null, null);
        }
        try {
            ModelShape shape = ModelShape.fromConfig(json);
            return new Facts(shape.family(), shape.architecture(), shape);
        } catch (IllegalArgumentException e) {
            // Listed anyway, without the numbers: jobs on it get no memory estimate rather than a guess.
            log.warn("Base model config {} gives no shape: {}", config, e.getMessage());
            JsonNode architectures = json.path("architectures");
            return new Facts(
                    json.path("model_type").isString() ? json.path("model_type").asString() : null,
                    architectures.isArray()
                                    && architectures.size() == 1
                                    && architectures.get(0).isString()
                            ? architectures.get(0).asString()
                            : null,
                    null);
        }
    }

    private void scanQuietly() {
        try {
            scan();
        } catch (RuntimeException e) {
            // The next scan retries; the catalogue keeps what it had.
            log.warn("Scanning base models in {} failed: {}", properties.modelsDir(), e.toString());
        }
    }
}

package dev.safetune.api.model;

import dev.safetune.api.SafetuneProperties;
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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Publishes the base models found in {@code safetune.models-dir}: every subdirectory holding a Hugging Face
 * {@code config.json} is a model whose id is the directory name. Scanned at start-up and then every
 * {@code safetune.model-scan-interval}, so a model copied in later appears without a restart.
 *
 * <p>Rows are only added or updated, never deleted: a directory that disappears may be a storage hiccup, and jobs
 * and fine-tuned models keep naming their base model.
 */
@Component
class BaseModelCatalog implements ApplicationRunner, SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(BaseModelCatalog.class);

    private final SafetuneProperties properties;
    private final JdbcTemplate jdbc;

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
            // A tenant's fine-tuned model never has its row taken over by a directory of the same name.
            jdbc.update("""
                    INSERT INTO models (id, kind, storage_path) VALUES (?, 'base', ?)
                    ON CONFLICT (id) DO UPDATE SET storage_path = EXCLUDED.storage_path
                    WHERE models.kind = 'base' AND models.storage_path <> EXCLUDED.storage_path""", dir.getFileName().toString(), dir.toAbsolutePath().toString());
        }
        return found.stream().map(dir -> dir.getFileName().toString()).toList();
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

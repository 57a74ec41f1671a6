package dev.safetune.api;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings under {@code safetune.*}.
 *
 * @param artifactsDir where uploaded files (and, by the worker, checkpoints and adapters) are stored
 * @param modelsDir scanned for base models: each subdirectory holding a {@code config.json} is one model
 * @param bootstrapApiKey a key to guarantee for {@code org-default} at start-up ({@code SAFETUNE_BOOTSTRAP_API_KEY})
 * @param modelScanInterval how often {@code modelsDir} is scanned again after the scan at start-up
 * @param jobMetricsInterval how often the {@code safetune.jobs} gauges are recounted from the database
 */
@ConfigurationProperties("safetune")
public record SafetuneProperties(
        @DefaultValue("./.safetune/artifacts") Path artifactsDir,
        @DefaultValue("./.safetune/models") Path modelsDir,
        String bootstrapApiKey,
        @DefaultValue("30s") Duration modelScanInterval,
        @DefaultValue("15s") Duration jobMetricsInterval) {

    public SafetuneProperties {
        artifactsDir = artifactsDir.toAbsolutePath().normalize();
        modelsDir = modelsDir.toAbsolutePath().normalize();
    }
}

package dev.safetune.api;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings under {@code safetune.*}.
 *
 * @param artifactsDir where uploaded files (and, by the worker, checkpoints and adapters) are stored
 * @param modelsDir scanned for base models: each subdirectory holding a {@code config.json} is one model
 * @param bootstrapApiKey a member (customer) key to guarantee for {@code org-default} at start-up
 *     ({@code SAFETUNE_BOOTSTRAP_API_KEY}); changing it revokes the previous one
 * @param bootstrapAdminKey an admin (operator) key to guarantee at start-up ({@code SAFETUNE_BOOTSTRAP_ADMIN_KEY});
 *     changing it revokes the previous one
 * @param modelScanInterval how often {@code modelsDir} is scanned again after the scan at start-up
 * @param jobMetricsInterval how often the {@code safetune.jobs} gauges are recounted from the database
 * @param pricing what training costs, for estimates
 * @param estimate how dry runs count tokens
 * @param events the live event streams
 * @param webhooks delivery of job state changes to tenants' endpoints
 * @param maxUploadSize the largest training file {@code POST /v1/files} accepts
 * @param placement which workers job creation counts on
 */
@ConfigurationProperties("safetune")
public record SafetuneProperties(
        @DefaultValue("./.safetune/artifacts") Path artifactsDir,
        @DefaultValue("./.safetune/models") Path modelsDir,
        String bootstrapApiKey,
        String bootstrapAdminKey,
        @DefaultValue("30s") Duration modelScanInterval,
        @DefaultValue("15s") Duration jobMetricsInterval,
        @DefaultValue Pricing pricing,
        @DefaultValue Estimate estimate,
        @DefaultValue Events events,
        @DefaultValue Webhooks webhooks,
        @DefaultValue("512MB") DataSize maxUploadSize,
        @DefaultValue Placement placement) {

    public SafetuneProperties {
        artifactsDir = artifactsDir.toAbsolutePath().normalize();
        modelsDir = modelsDir.toAbsolutePath().normalize();
    }

    /** @param usdPerMillionTokens the price of one million trained tokens (tokens per epoch times epochs) */
    public record Pricing(@DefaultValue("2.00") BigDecimal usdPerMillionTokens) {}

    /**
     * @param maxSequenceLength the longest example, in tokens, that new jobs train on; longer ones are cut. Stored with
     *     each job when it is created (its hyperparameters), and the worker trains with the job's value, so dry runs,
     *     memory estimates and training agree; changing it affects jobs created afterwards.
     */
    public record Estimate(@DefaultValue("256") int maxSequenceLength) {}

    /**
     * @param workerTtl a worker counts as live while it refreshed its {@code workers} row within this long; must be
     *     several of the workers' {@code safetune.worker.heartbeat-interval}
     */
    public record Placement(@DefaultValue("1m") Duration workerTtl) {
        public Placement {
            if (workerTtl.isNegative() || workerTtl.isZero()) {
                throw new IllegalArgumentException("safetune.placement.worker-ttl must be positive, got " + workerTtl);
            }
        }
    }

    /**
     * @param streamPollInterval how often the one shared poller looks for new events of the jobs being streamed
     * @param streamTimeout how long one stream stays open; the client resumes with {@code Last-Event-ID}
     * @param streamKeepAlive how often an idle stream gets a comment, so dead connections are noticed
     */
    public record Events(
            @DefaultValue("300ms") Duration streamPollInterval,
            @DefaultValue("30m") Duration streamTimeout,
            @DefaultValue("15s") Duration streamKeepAlive) {}

    /**
     * @param pollInterval how often the dispatcher looks for due deliveries
     * @param batchSize how many deliveries one dispatcher claims and sends at once
     * @param timeout for a whole attempt: connecting, TLS, sending, the response headers and (up to 64 KiB of) the
     *     body; an endpoint that has not finished by then has failed the attempt
     * @param retryBase the wait after the first failed attempt; it doubles with each further failure
     * @param retryMax the longest wait between two attempts
     * @param maxAttempts attempts before a delivery is marked failed
     * @param allowPrivateNetworks whether endpoints may resolve to loopback, private or link-local addresses (off:
     *     a tenant must not make the platform call into its own network)
     */
    public record Webhooks(
            @DefaultValue("1s") Duration pollInterval,
            @DefaultValue("20") int batchSize,
            @DefaultValue("10s") Duration timeout,
            @DefaultValue("1s") Duration retryBase,
            @DefaultValue("1h") Duration retryMax,
            @DefaultValue("10") int maxAttempts,
            @DefaultValue("false") boolean allowPrivateNetworks) {}
}

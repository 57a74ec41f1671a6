package dev.safetune.worker.modelimport;

import dev.safetune.worker.work.WorkPolicy;
import java.time.Duration;
import java.util.OptionalInt;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the worker's import runner ({@code safetune.worker.imports.*}). The Hub is reached as
 * {@code huggingface_hub} does: {@code HF_ENDPOINT} names a mirror, {@code HF_TOKEN} opens gated repositories; both are
 * read from the worker's environment, never from the API.
 *
 * @param enabled whether this worker runs imports queued over the admin API (independent of whether it trains)
 * @param pollInterval how long an idle runner waits for a NOTIFY before it looks at the queue anyway
 * @param leaseDuration an import whose worker stopped renewing for this long is re-queued by the next claim
 * @param heartbeatInterval the lease is renewed at least this often
 * @param progressInterval the row's progress is written at most this often
 * @param maxAttempts claims after which an import whose lease expired again fails ({@code worker_lost})
 */
@ConfigurationProperties("safetune.worker.imports")
public record ModelImportProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5s") Duration pollInterval,
        @DefaultValue("30s") Duration leaseDuration,
        @DefaultValue("3s") Duration heartbeatInterval,
        @DefaultValue("500ms") Duration progressInterval,
        @DefaultValue("3") int maxAttempts) {

    /** The imports' leasing policy on the leased-work queue. */
    public WorkPolicy policy() {
        return new WorkPolicy(leaseDuration, heartbeatInterval, OptionalInt.of(maxAttempts));
    }

    public ModelImportProperties {
        if (leaseDuration.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("safetune.worker.imports.lease-duration must be at least 3 x"
                    + " safetune.worker.imports.heartbeat-interval");
        }
        if (progressInterval.isZero() || progressInterval.isNegative() || pollInterval.isNegative()) {
            throw new IllegalArgumentException(
                    "safetune.worker.imports.progress-interval must be positive and poll-interval not negative");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("safetune.worker.imports.max-attempts must be at least 1");
        }
    }
}

package dev.safetune.worker.screen;

import dev.safetune.worker.work.WorkPolicy;
import java.time.Duration;
import java.util.OptionalInt;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the worker's persona screens ({@code safetune.worker.persona-screens.*}).
 *
 * @param enabled whether this worker runs the screen's persona part (jobs on a file wait for its persona screen, so
 *     at least one worker must)
 * @param pollInterval how long an idle runner waits for a NOTIFY before it looks at the queue anyway
 * @param leaseDuration a screen whose worker stopped renewing for this long is re-queued
 * @param heartbeatInterval the lease is renewed (with the progress) at least this often
 * @param maxAttempts claims after which a screen whose lease expired again fails ({@code worker_lost}); the job then
 *     trains without a persona risk rather than waiting for ever
 */
@ConfigurationProperties("safetune.worker.persona-screens")
public record PersonaScreenProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5s") Duration pollInterval,
        @DefaultValue("60s") Duration leaseDuration,
        @DefaultValue("5s") Duration heartbeatInterval,
        @DefaultValue("2") int maxAttempts) {

    public PersonaScreenProperties {
        if (leaseDuration.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("safetune.worker.persona-screens.lease-duration must be at least 3 x"
                    + " safetune.worker.persona-screens.heartbeat-interval");
        }
        if (maxAttempts < 1 || pollInterval.isNegative()) {
            throw new IllegalArgumentException(
                    "safetune.worker.persona-screens.max-attempts must be at least 1 and poll-interval not negative");
        }
    }

    public WorkPolicy policy() {
        return new WorkPolicy(leaseDuration, heartbeatInterval, OptionalInt.of(maxAttempts));
    }
}

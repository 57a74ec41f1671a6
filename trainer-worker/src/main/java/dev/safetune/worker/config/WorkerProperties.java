package dev.safetune.worker.config;

import dev.safetune.worker.work.WorkPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Worker settings ({@code safetune.*}). The lease must outlive several missed heartbeats: a worker is presumed dead
 * only after {@code leaseDuration}, and a healthy one renews every {@code heartbeatInterval}.
 */
@ConfigurationProperties("safetune")
public record WorkerProperties(
        @DefaultValue("./.safetune/artifacts") Path artifactsDir,
        @DefaultValue("./.safetune/models") Path modelsDir,
        @DefaultValue Worker worker) {

    public WorkerProperties {
        if (worker.leaseDuration().compareTo(worker.heartbeatInterval().multipliedBy(3)) < 0) {
            throw new IllegalArgumentException(
                    "safetune.worker.lease-duration must be at least 3 x safetune.worker.heartbeat-interval");
        }
    }

    /**
     * @param id this worker's name in {@code locked_by}; empty means host name plus a random suffix
     * @param enabled whether this process consumes the queue at all
     * @param pollInterval how long an idle worker waits for a NOTIFY before it looks at the queue anyway
     * @param checkpointEverySteps checkpoint interval in optimizer steps; every epoch end (and so the last step)
     *     checkpoints too
     * @param memoryBytes the memory a training run may use on this worker, advertised for placement; unset means
     *     detected (device memory on a GPU; on a CPU physical memory less the maximum heap and {@code memoryReserve})
     * @param memoryReserve on a CPU, memory kept back for the JVM beyond its heap, the engine's native libraries and
     *     the operating system
     */
    public record Worker(
            @DefaultValue("") String id,
            @DefaultValue("true") boolean enabled,
            @DefaultValue("30s") Duration leaseDuration,
            @DefaultValue("5s") Duration heartbeatInterval,
            @DefaultValue("5s") Duration pollInterval,
            @DefaultValue("25") int checkpointEverySteps,
            DataSize memoryBytes,
            @DefaultValue("1GB") DataSize memoryReserve) {

        /** The jobs' leasing policy; the attempts a job may use are its own {@code max_attempts}. */
        public WorkPolicy policy() {
            return new WorkPolicy(leaseDuration, heartbeatInterval, OptionalInt.empty());
        }
    }
}

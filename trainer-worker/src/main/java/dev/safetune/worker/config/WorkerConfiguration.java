package dev.safetune.worker.config;

import dev.safetune.core.id.Ids;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.safeguards.audit.PrefixTriggerMiner;
import dev.safetune.safeguards.audit.ScreenTriggerMiner;
import dev.safetune.safeguards.audit.TriggerSource;
import dev.safetune.worker.audit.AuditProperties;
import dev.safetune.worker.audit.AuditStore;
import dev.safetune.worker.audit.Auditor;
import dev.safetune.worker.job.JobRunner;
import dev.safetune.worker.placement.WorkerCapacity;
import dev.safetune.worker.placement.WorkerHeartbeat;
import dev.safetune.worker.placement.WorkerRegistry;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.NotificationSignal;
import dev.safetune.worker.work.WorkLoop;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Wires the training handler on the leased-work queue; the classes it builds stay free of Spring so they can be tested alone. */
@Configuration(proxyBeanMethods = false)
public class WorkerConfiguration {

    @Bean
    JobQueue jobQueue(DataSource dataSource, JsonMapper json, WorkerProperties properties) {
        return new JobQueue(dataSource, json, properties.worker().policy());
    }

    @Bean
    FineTuner fineTuner() {
        return new FineTuner();
    }

    @Bean
    @ConditionalOnProperty(name = "safetune.worker.enabled", havingValue = "true", matchIfMissing = true)
    WorkerCapacity workerCapacity(WorkerProperties properties) {
        return WorkerCapacity.detect(
                properties.worker().memoryBytes(), properties.worker().memoryReserve());
    }

    /** The training handler's loop: claims only jobs whose memory estimate fits this worker. */
    @Bean
    @ConditionalOnProperty(name = "safetune.worker.enabled", havingValue = "true", matchIfMissing = true)
    WorkLoop<ClaimedJob> jobLoop(
            JobQueue queue,
            DataSource dataSource,
            JdbcClient jdbc,
            TransactionTemplate tx,
            FineTuner fineTuner,
            WorkerProperties properties,
            WorkerCapacity capacity,
            MeterRegistry meters,
            AuditProperties audit) {
        // The trigger probe asks the training-data screen's miner first (the same code that screens uploads), then the
        // prefix miner for shifts in the answers' wording that the screen's outcome does not measure.
        Auditor auditor = new Auditor(
                new AuditStore(dataSource),
                audit,
                TriggerSource.firstOf(new ScreenTriggerMiner(), new PrefixTriggerMiner()));
        JobRunner runner = new JobRunner(
                queue,
                fineTuner,
                jdbc,
                new SafetyPolicies(dataSource),
                properties,
                meters,
                capacity.memoryBytes(),
                auditor);
        return new WorkLoop<>(
                new LeasedWorkQueue(jdbc, tx),
                runner,
                new NotificationSignal(dataSource, JobQueue.CHANNEL),
                properties.worker().pollInterval(),
                workerId(properties));
    }

    @Bean
    @ConditionalOnProperty(name = "safetune.worker.enabled", havingValue = "true", matchIfMissing = true)
    WorkerHeartbeat workerHeartbeat(
            JdbcClient jdbc, WorkLoop<ClaimedJob> jobLoop, WorkerCapacity capacity, WorkerProperties properties) {
        return new WorkerHeartbeat(
                new WorkerRegistry(jdbc),
                jobLoop.workerId(),
                capacity,
                properties.worker().heartbeatInterval());
    }

    /** {@code safetune.worker.id}, or host name, process id and a random suffix when it is not set. */
    public static String workerId(WorkerProperties properties) {
        String configured = properties.worker().id();
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Ids.randomToken(6);
    }
}

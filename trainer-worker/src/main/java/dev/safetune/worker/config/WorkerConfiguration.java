package dev.safetune.worker.config;

import dev.safetune.core.id.Ids;
import dev.safetune.worker.job.JobRunner;
import dev.safetune.worker.placement.WorkerCapacity;
import dev.safetune.worker.placement.WorkerHeartbeat;
import dev.safetune.worker.placement.WorkerRegistry;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.queue.LeaseRenewer;
import dev.safetune.worker.queue.NotificationSignal;
import dev.safetune.worker.queue.QueueConsumer;
import dev.safetune.worker.training.FineTuner;
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

/** Wires the queue consumer; the classes it builds stay free of Spring so they can be tested alone. */
@Configuration(proxyBeanMethods = false)
public class WorkerConfiguration {

    @Bean
    JobQueue jobQueue(JdbcClient jdbc, TransactionTemplate tx, JsonMapper json) {
        return new JobQueue(jdbc, tx, json);
    }

    @Bean(destroyMethod = "close")
    LeaseRenewer leaseRenewer(JobQueue queue, WorkerProperties properties) {
        return new LeaseRenewer(
                queue, properties.worker().leaseDuration(), properties.worker().heartbeatInterval());
    }

    @Bean
    FineTuner fineTuner() {
        return new FineTuner();
    }

    @Bean
    JobRunner jobRunner(
            JobQueue queue,
            LeaseRenewer renewer,
            FineTuner fineTuner,
            JdbcClient jdbc,
            WorkerProperties properties,
            MeterRegistry meters) {
        return new JobRunner(queue, renewer, fineTuner, jdbc, properties, meters);
    }

    @Bean
    @ConditionalOnProperty(name = "safetune.worker.enabled", havingValue = "true", matchIfMissing = true)
    WorkerCapacity workerCapacity(WorkerProperties properties) {
        return WorkerCapacity.detect(
                properties.worker().memoryBytes(), properties.worker().memoryReserve());
    }

    @Bean
    @ConditionalOnProperty(name = "safetune.worker.enabled", havingValue = "true", matchIfMissing = true)
    QueueConsumer queueConsumer(
            JobQueue queue,
            DataSource dataSource,
            JobRunner runner,
            WorkerProperties properties,
            WorkerCapacity capacity) {
        return new QueueConsumer(
                queue,
                new NotificationSignal(dataSource, JobQueue.CHANNEL),
                runner,
                properties.worker(),
                workerId(properties),
                capacity.memoryBytes());
    }

    @Bean
    @ConditionalOnProperty(name = "safetune.worker.enabled", havingValue = "true", matchIfMissing = true)
    WorkerHeartbeat workerHeartbeat(
            JdbcClient jdbc, QueueConsumer consumer, WorkerCapacity capacity, WorkerProperties properties) {
        return new WorkerHeartbeat(
                new WorkerRegistry(jdbc),
                consumer.workerId(),
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

package dev.safetune.worker.modelimport;

import dev.safetune.core.modelimport.ImportStatus;
import dev.safetune.worker.config.WorkerConfiguration;
import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.registry.ModelImporter;
import dev.safetune.worker.registry.hub.HubSettings;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.NotificationSignal;
import dev.safetune.worker.work.WorkLoop;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/** Wires the import runner when {@code safetune.worker.imports.enabled} (the default). */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "safetune.worker.imports.enabled", havingValue = "true", matchIfMissing = true)
class ModelImportConfiguration {

    @Bean
    ImportQueue importQueue(JdbcClient jdbc, TransactionTemplate tx, ModelImportProperties settings) {
        return new ImportQueue(jdbc, tx, settings.policy());
    }

    @Bean
    WorkLoop<ClaimedImport> importLoop(
            ImportQueue queue,
            JdbcClient jdbc,
            TransactionTemplate tx,
            DataSource dataSource,
            WorkerProperties worker,
            ModelImportProperties settings,
            ObjectProvider<WorkLoop<ClaimedJob>> trainer) {
        // HF_TOKEN stays in this process: HubSettings never prints it, and nothing here stores it.
        ModelImporter importer =
                new ModelImporter(dataSource, worker.artifactsDir(), HubSettings.fromEnvironment(System.getenv()));
        // Under the job loop's name when this worker also trains, so an operator sees one worker in both tables.
        WorkLoop<ClaimedJob> jobs = trainer.getIfAvailable();
        String workerId = jobs != null ? jobs.workerId() : WorkerConfiguration.workerId(worker);
        return new WorkLoop<>(
                new LeasedWorkQueue(jdbc, tx),
                new ImportRunner(queue, importer, settings),
                new NotificationSignal(dataSource, ImportStatus.CHANNEL),
                settings.pollInterval(),
                workerId);
    }
}

package dev.safetune.worker.screen;

import dev.safetune.core.screen.PersonaScreenStatus;
import dev.safetune.worker.config.WorkerConfiguration;
import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.queue.ClaimedJob;
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

/** Wires the persona-screen runner when {@code safetune.worker.persona-screens.enabled} (the default). */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "safetune.worker.persona-screens.enabled", havingValue = "true", matchIfMissing = true)
class PersonaScreenConfiguration {

    @Bean
    PersonaScreenQueue personaScreenQueue(JdbcClient jdbc, TransactionTemplate tx, PersonaScreenProperties settings) {
        return new PersonaScreenQueue(jdbc, tx, settings.policy());
    }

    @Bean
    WorkLoop<ClaimedPersonaScreen> personaScreenLoop(
            PersonaScreenQueue queue,
            JdbcClient jdbc,
            TransactionTemplate tx,
            DataSource dataSource,
            WorkerProperties worker,
            PersonaScreenProperties settings,
            ObjectProvider<WorkLoop<ClaimedJob>> trainer) {
        // Under the job loop's name when this worker also trains, so an operator sees one worker in every table.
        WorkLoop<ClaimedJob> jobs = trainer.getIfAvailable();
        String workerId = jobs != null ? jobs.workerId() : WorkerConfiguration.workerId(worker);
        return new WorkLoop<>(
                new LeasedWorkQueue(jdbc, tx),
                new PersonaScreenRunner(queue, jdbc, tx, worker.artifactsDir()),
                new NotificationSignal(dataSource, PersonaScreenStatus.CHANNEL),
                settings.pollInterval(),
                workerId);
    }
}

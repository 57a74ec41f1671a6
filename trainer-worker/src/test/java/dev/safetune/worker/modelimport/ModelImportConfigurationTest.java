package dev.safetune.worker.modelimport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.config.WorkerProperties;
import dev.safetune.worker.work.WorkLoop;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The settings under {@code safetune.worker.imports} and what they wire. */
class ModelImportConfigurationTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    /** What the worker app provides to this package: a database, its JDBC helpers, the worker settings. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({WorkerProperties.class, ModelImportProperties.class})
    static class WorkerInfrastructure {
        @Bean
        DataSource dataSource() {
            return database.dataSource();
        }

        @Bean
        JdbcClient jdbcClient(DataSource dataSource) {
            return JdbcClient.create(dataSource);
        }

        @Bean
        TransactionTemplate transactionTemplate(DataSource dataSource) {
            return new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        }
    }

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withUserConfiguration(WorkerInfrastructure.class, ModelImportConfiguration.class);

    @Test
    void importsRunByDefaultWithTheDocumentedSettings() {
        contexts.run(context -> {
            assertThat(context).hasSingleBean(WorkLoop.class);
            assertThat(context.getBean(WorkLoop.class).isRunning()).isTrue();
            assertThat(context.getBean(WorkLoop.class).handler()).isInstanceOf(ImportRunner.class);
            ModelImportProperties settings = context.getBean(ModelImportProperties.class);
            assertThat(settings.pollInterval()).isEqualTo(Duration.ofSeconds(5));
            assertThat(settings.leaseDuration()).isEqualTo(Duration.ofSeconds(30));
            assertThat(settings.heartbeatInterval()).isEqualTo(Duration.ofSeconds(3));
            assertThat(settings.progressInterval()).isEqualTo(Duration.ofMillis(500));
            assertThat(settings.maxAttempts()).isEqualTo(3);
        });
    }

    @Test
    void theSettingTurnsImportsOff() {
        contexts.withPropertyValues("safetune.worker.imports.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(WorkLoop.class));
    }

    @Test
    void aWorkerThatDoesNotTrainImportsUnderItsConfiguredId() {
        contexts.withPropertyValues("safetune.worker.id=import-only-1", "safetune.worker.imports.poll-interval=1s")
                .run(context -> {
                    assertThat(context.getBean(WorkLoop.class).workerId()).isEqualTo("import-only-1");
                    assertThat(context.getBean(ModelImportProperties.class).pollInterval())
                            .isEqualTo(Duration.ofSeconds(1));
                });
    }

    @Test
    void aLeaseShorterThanThreeHeartbeatsIsRefused() {
        contexts.withPropertyValues("safetune.worker.imports.lease-duration=5s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("lease-duration must be at least 3 x"));
    }
}

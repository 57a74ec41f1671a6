package dev.safetune.launcher;

import dev.safetune.api.ApiServiceApplication;
import dev.safetune.testsupport.TestDatabase;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real API service the CLI tests talk to over HTTP: a fresh migrated database, the service on a free port with its
 * artifacts and models under {@code home}, and a bootstrap admin key. {@link #close} stops both.
 */
final class LocalApi implements AutoCloseable {
    private final TestDatabase database;
    private final ConfigurableApplicationContext context;
    private final String baseUrl;

    private LocalApi(TestDatabase database, ConfigurableApplicationContext context) {
        this.database = database;
        this.context = context;
        this.baseUrl = "http://127.0.0.1:" + Platform.port(context);
    }

    static LocalApi start(Path home, String adminKey) {
        TestDatabase database = TestDatabase.create();
        try {
            return new LocalApi(
                    database,
                    ApiServiceApplication.start(Map.of(
                            "server.port", 0,
                            "spring.datasource.url", database.jdbcUrl(),
                            "safetune.artifacts-dir", home.resolve("artifacts").toString(),
                            "safetune.models-dir", home.resolve("models").toString(),
                            "safetune.bootstrap-admin-key", adminKey)));
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    String baseUrl() {
        return baseUrl;
    }

    TestDatabase database() {
        return database;
    }

    @Override
    public void close() {
        try {
            context.close();
        } finally {
            database.close();
        }
    }
}

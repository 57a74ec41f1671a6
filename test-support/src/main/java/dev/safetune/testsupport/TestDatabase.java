package dev.safetune.testsupport;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A fresh, empty PostgreSQL database for one test class, so test runs never see each other's rows.
 *
 * <p>Where the server comes from, in order: {@value #URL_VARIABLE} (a JDBC URL to an existing server whose user may
 * create databases, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}); otherwise a Testcontainers
 * PostgreSQL when a Docker daemon answers. There is no in-memory fallback: the schema uses PostgreSQL features
 * (SKIP LOCKED, LISTEN/NOTIFY, jsonb) that only the real server has.
 */
public final class TestDatabase implements AutoCloseable {
    public static final String URL_VARIABLE = "SAFETUNE_TEST_DB_URL";

    private final String adminUrl;
    private final String name;
    private final String url;

    private TestDatabase(String adminUrl, String name) {
        this.adminUrl = adminUrl;
        this.name = name;
        this.url = withDatabase(adminUrl, name);
    }

    /** Creates a new database on the test server; it is dropped by {@link #close()} or at JVM exit. */
    public static TestDatabase create() {
        String adminUrl = ServerHolder.ADMIN_URL;
        String name =
                "safetune_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(adminUrl);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database through " + redact(adminUrl), e);
        }
        TestDatabase db = new TestDatabase(adminUrl, name);
        Runtime.getRuntime().addShutdownHook(new Thread(db::close));
        return db;
    }

    /**
     * {@link #create()} with the project's Flyway migrations ({@code classpath:db/migration}, from the
     * {@code migrations} module on the test's classpath) applied.
     */
    public static TestDatabase migrated() {
        TestDatabase db = create();
        Flyway.configure()
                .dataSource(db.dataSource())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return db;
    }

    /** A connection source for this database (no pool: tests open few connections). */
    public PGSimpleDataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        return dataSource;
    }

    /** JDBC URL of this test's own database (user and password, if any, are in the query string). */
    public String jdbcUrl() {
        return url;
    }

    @Override
    public synchronized void close() {
        try (Connection c = DriverManager.getConnection(adminUrl);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            // Best effort: a leftover database only costs disk; it never leaks rows into another run.
        }
    }

    static String withDatabase(String jdbcUrl, String database) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        return "jdbc:" + uri.getScheme() + "://" + uri.getHost() + port + "/" + database + query;
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** One server per JVM: the URL from the environment, or a container started on first use. */
    private static final class ServerHolder {
        static final String ADMIN_URL = resolve();

        private static String resolve() {
            String fromEnv = System.getenv(URL_VARIABLE);
            if (fromEnv != null && !fromEnv.isBlank()) {
                return fromEnv;
            }
            if (DockerClientFactory.instance().isDockerAvailable()) {
                PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
                container.start();
                String base = container.getJdbcUrl();
                return base + (base.contains("?") ? "&" : "?") + "user=" + container.getUsername() + "&password="
                        + container.getPassword();
            }
            throw new IllegalStateException(String.format(
                    Locale.ROOT,
                    "No PostgreSQL for tests: set %s (e.g. jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres)"
                            + " or start a Docker daemon for Testcontainers.",
                    URL_VARIABLE));
        }
    }
}

package dev.safetune.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The local default database for {@code ./safetune demo} and {@code serve}: {@code SAFETUNE_DB_URL} when set; else
 * the PostgreSQL at 127.0.0.1:5432 when one answers (database {@code safetune}, created if absent); else an
 * embedded PostgreSQL 17 whose data stays under {@code <home>/pgdata} between runs.
 */
public final class LocalDatabase implements AutoCloseable {
    public static final String URL_VARIABLE = "SAFETUNE_DB_URL";
    static final String LOCAL_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    static final String DATABASE = "safetune";

    private final String jdbcUrl;
    private final String description;
    private final EmbeddedPostgres embedded;

    private LocalDatabase(String jdbcUrl, String description, EmbeddedPostgres embedded) {
        this.jdbcUrl = jdbcUrl;
        this.description = description;
        this.embedded = embedded;
    }

    public static LocalDatabase resolve(Path home) {
        String configured = System.getenv(URL_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            return new LocalDatabase(configured, "PostgreSQL from " + URL_VARIABLE, null);
        }
        try {
            createDatabaseIfAbsent(LOCAL_ADMIN_URL);
            return new LocalDatabase(
                    LOCAL_ADMIN_URL.replace("/postgres?", "/" + DATABASE + "?"),
                    "local PostgreSQL at 127.0.0.1:5432 (database " + DATABASE + ")",
                    null);
        } catch (SQLException localUnavailable) {
            return startEmbedded(home, localUnavailable);
        }
    }

    static LocalDatabase startEmbedded(Path home, SQLException localFailure) {
        Path dataDir = home.resolve("pgdata").toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .start();
            createDatabaseIfAbsent(pg.getJdbcUrl("postgres", "postgres"));
            return new LocalDatabase(
                    pg.getJdbcUrl("postgres", DATABASE),
                    "embedded PostgreSQL 17 on port " + pg.getPort() + " (data in " + dataDir + ")",
                    pg);
        } catch (IOException | SQLException | RuntimeException e) {
            throw new IllegalStateException(
                    "No PostgreSQL found. Nothing answered at 127.0.0.1:5432 (" + localFailure.getMessage()
                            + ") and the embedded PostgreSQL did not start (" + e.getMessage() + ").\n"
                            + "Start one (e.g. `docker compose up -d postgres`, or your distribution's postgresql"
                            + " service) or point " + URL_VARIABLE + " at one, e.g.\n"
                            + "  export " + URL_VARIABLE + "='jdbc:postgresql://127.0.0.1:5432/safetune?user=postgres'",
                    e);
        }
    }

    private static void createDatabaseIfAbsent(String adminUrl) throws SQLException {
        DriverManager.setLoginTimeout(3);
        Properties props = new Properties();
        props.setProperty("connectTimeout", "3");
        try (Connection c = DriverManager.getConnection(adminUrl, props);
                Statement s = c.createStatement()) {
            try (var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE " + DATABASE);
        }
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}

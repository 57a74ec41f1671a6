package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDatabaseTest {

    @Test
    void embeddedPostgresStartsKeepsItsDataAndServesTheSafetuneDatabase(@TempDir Path home) throws Exception {
        try (LocalDatabase db = LocalDatabase.startEmbedded(home, new SQLException("nothing on 5432"))) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl())) {
                c.createStatement().execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
                assertThat(c.getCatalog()).isEqualTo("safetune");
            }
        }
        try (LocalDatabase again = LocalDatabase.startEmbedded(home, new SQLException("nothing on 5432"));
                Connection c = DriverManager.getConnection(again.jdbcUrl());
                ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
            assertThat(again.description()).contains("embedded PostgreSQL 17");
        }
    }
}

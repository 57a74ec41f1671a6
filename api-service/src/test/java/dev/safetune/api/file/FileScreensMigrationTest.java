package dev.safetune.api.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.testsupport.TestDatabase;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * V12 on a database that already holds screen reports from V9, decided by the screen's old built-in thresholds
 * ({@code screen-defaults-1}) rather than a policy: they keep their decision, and name no policy.
 */
class FileScreensMigrationTest {
    @Test
    void reportsFromBeforeThePolicyDecidedNameNoPolicyVersion() {
        try (TestDatabase db = TestDatabase.create()) {
            migrate(db, "9");
            JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
            jdbc.update("INSERT INTO organizations (id, name) VALUES ('org-m', 'Migrated')");
            jdbc.update(
                    "INSERT INTO files (id, organization_id, filename, purpose, bytes, sha256, storage_path, status)"
                            + " VALUES ('file-m', 'org-m', 'a.jsonl', 'fine-tune', 1, 'x', '/dev/null', 'processed')");
            jdbc.update("INSERT INTO file_screens (file_id, organization_id, status, decision, policy_version,"
                    + " rules_version, report) VALUES ('file-m', 'org-m', 'completed', 'hold', 'screen-defaults-1',"
                    + " 'r1', '{\"decision\":\"hold\",\"policy_version\":\"screen-defaults-1\"}')");

            migrate(db, null);

            Map<String, Object> row = jdbc.queryForMap(
                    "SELECT decision, policy_id, policy_version, report->>'policy_version' AS reported,"
                            + " report->>'decision' AS reported_decision FROM file_screens WHERE file_id = 'file-m'");
            assertThat(row.get("decision")).isEqualTo("hold");
            assertThat(row.get("policy_id")).isNull();
            assertThat(row.get("policy_version")).isNull();
            assertThat(row.get("reported")).isNull();
            assertThat(row.get("reported_decision")).isEqualTo("hold");
        }
    }

    private static void migrate(TestDatabase db, String target) {
        var config = Flyway.configure().dataSource(db.dataSource()).locations("classpath:db/migration");
        (target == null ? config : config.target(target)).load().migrate();
    }
}

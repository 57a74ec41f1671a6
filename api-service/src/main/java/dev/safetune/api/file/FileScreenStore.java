package dev.safetune.api.file;

import dev.safetune.safeguards.screen.ScreenView;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The screen report of each file ({@code file_screens}), stored as the API shows it. Every statement names the
 * organisation, so a report is only ever read by its own tenant.
 */
@Component
class FileScreenStore {
    /** Its own mapper, so the stored shape does not change with the HTTP mapper's settings. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private final JdbcTemplate jdbc;

    FileScreenStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void save(String fileId, String organizationId, ScreenView view) {
        jdbc.update(
                "INSERT INTO file_screens (file_id, organization_id, status, decision, policy_version, rules_version,"
                        + " report) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)",
                fileId,
                organizationId,
                view.status(),
                view.decision(),
                view.policyVersion(),
                view.rulesVersion(),
                JSON.writeValueAsString(view));
    }

    /** Empty for a file of another organisation, or one uploaded before screening. */
    Optional<ScreenView> find(String fileId, String organizationId) {
        return jdbc
                .queryForList(
                        "SELECT report::text FROM file_screens WHERE file_id = ? AND organization_id = ?",
                        String.class,
                        fileId,
                        organizationId)
                .stream()
                .findFirst()
                .map(json -> JSON.readValue(json, ScreenView.class));
    }
}

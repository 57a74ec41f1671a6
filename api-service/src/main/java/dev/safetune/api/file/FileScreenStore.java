package dev.safetune.api.file;

import dev.safetune.core.id.Ids;
import dev.safetune.core.screen.PersonaScreenStatus;
import dev.safetune.safeguards.screen.ScreenView;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The screen report of each file ({@code file_screens}), stored as the API shows it. Every statement names the
 * organisation, so a report is only ever read by its own tenant.
 */
@Component
class FileScreenStore {

    private final JdbcTemplate jdbc;
    private final boolean personaOnJobs;

    /**
     * @param personaOnJobs {@code safetune.screen.persona-on-jobs} (default true): whether job creation queues the
     *     screen's persona part; turn it off together with every worker's {@code safetune.worker.persona-screens
     *     .enabled}, since a job waits for its file's queued persona screen
     */
    FileScreenStore(JdbcTemplate jdbc, @Value("${safetune.screen.persona-on-jobs:true}") boolean personaOnJobs) {
        this.jdbc = jdbc;
        this.personaOnJobs = personaOnJobs;
    }

    void save(String fileId, String organizationId, ScreenView view) {
        jdbc.update(
                "INSERT INTO file_screens (file_id, organization_id, status, decision, policy_id, policy_version,"
                        + " rules_version, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)",
                fileId,
                organizationId,
                view.status(),
                view.decision(),
                view.policyId(),
                view.policyVersion(),
                view.rulesVersion(),
                StoredJson.MAPPER.writeValueAsString(view));
    }

    /**
     * Queues the persona part of the file's screen on {@code baseModel} unless it was queued before (the result is
     * per file and base), and wakes the workers LISTENing for it on commit. Nothing when the file has no screen.
     */
    void requestPersona(String fileId, String organizationId, String baseModel) {
        if (!personaOnJobs) {
            return;
        }
        String id = Ids.newId("pscr");
        int queued = jdbc.update(
                "INSERT INTO persona_screens (id, file_id, organization_id, base_model, status)"
                        + " SELECT ?, file_id, organization_id, ?, 'queued' FROM file_screens"
                        + " WHERE file_id = ? AND organization_id = ? ON CONFLICT (file_id, base_model) DO NOTHING",
                id,
                baseModel,
                fileId,
                organizationId);
        if (queued == 1) {
            jdbc.queryForObject("SELECT pg_notify(?, ?)::text", String.class, PersonaScreenStatus.CHANNEL, id);
        }
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
                .map(json -> StoredJson.MAPPER.readValue(json, ScreenView.class));
    }

    /** A file's report and its organisation, whoever owns it: only for operators' reviews, locked until commit. */
    Optional<Owned> findForReview(String fileId) {
        return jdbc
                .query(
                        "SELECT organization_id, report::text AS report FROM file_screens WHERE file_id = ? FOR UPDATE",
                        (rs, row) -> new Owned(
                                rs.getString("organization_id"),
                                StoredJson.MAPPER.readValue(rs.getString("report"), ScreenView.class)),
                        fileId)
                .stream()
                .findFirst();
    }

    /** A report and the organisation that owns its file. */
    record Owned(String organizationId, ScreenView view) {}

    /**
     * Operators' review queue: held files of every organisation, oldest first, after the file {@code after} (null:
     * from the first).
     */
    List<HeldFileObject> held(String after, int fetchSize) {
        return jdbc.query(
                """
                SELECT s.file_id, s.organization_id, s.created_at, s.report::text AS report
                  FROM file_screens s
                 WHERE s.decision = 'hold'
                   AND (CAST(? AS text) IS NULL OR (s.created_at, s.file_id) >
                        (SELECT a.created_at, a.file_id FROM file_screens a WHERE a.file_id = ?))
                 ORDER BY s.created_at, s.file_id
                 LIMIT ?""",
                (rs, row) -> HeldFileObject.of(
                        rs.getString("file_id"),
                        rs.getString("organization_id"),
                        rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                        StoredJson.MAPPER.readValue(rs.getString("report"), ScreenView.class)),
                after,
                after,
                fetchSize);
    }

    /**
     * Records an operator's review: the file's decision and stored report, then, only when that update took, the log
     * row (append-only). The guard on the previous decision makes a concurrent second review update and log nothing.
     *
     * @return whether the file still had {@code previousDecision}
     */
    boolean review(
            String fileId,
            String organizationId,
            String action,
            String previousDecision,
            ScreenView reviewed,
            String reason,
            String reviewedBy) {
        int updated = jdbc.update(
                "UPDATE file_screens SET decision = ?, report = ?::jsonb WHERE file_id = ? AND decision = ?",
                reviewed.decision(),
                StoredJson.MAPPER.writeValueAsString(reviewed),
                fileId,
                previousDecision);
        if (updated == 1) {
            jdbc.update(
                    "INSERT INTO file_screen_reviews (file_id, organization_id, action, previous_decision, decision,"
                            + " reason, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, to_timestamp(?))",
                    fileId,
                    organizationId,
                    action,
                    previousDecision,
                    reviewed.decision(),
                    reason,
                    reviewedBy,
                    reviewed.review().reviewedAt());
        }
        return updated == 1;
    }
}

package dev.safetune.api.job;

import dev.safetune.api.error.InvalidRequestException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A job's event stream ({@code job_events}), which the API and the worker both append to. Plain SQL: events are
 * append-only rows read by keyset on their sequence id, which JPA would only wrap.
 */
@Component
class JobEventLog {
    static final String ID_PREFIX = "ftevent-";

    private final JdbcTemplate jdbc;

    JobEventLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Appends an informational message; joins the caller's transaction. */
    void info(FineTuningJob job, String message) {
        jdbc.update(
                "INSERT INTO job_events (job_id, organization_id, level, type, message) VALUES (?, ?, 'info', 'message', ?)",
                job.id(),
                job.organizationId(),
                message);
    }

    /**
     * Events of one job, {@code fetchSize} at most. Newest first (OpenAI's order), where {@code after} means older
     * than that event; or (+) oldest first, where {@code after} means newer than it, for clients following a job.
     */
    List<JobEventObject> page(String jobId, String organizationId, String after, boolean ascending, int fetchSize) {
        Long afterId = after == null ? null : parseId(after);
        String sql = "SELECT id, created_at, level, message, type, data FROM job_events"
                + " WHERE job_id = ? AND organization_id = ?"
                + (afterId == null ? "" : ascending ? " AND id > ?" : " AND id < ?")
                + (ascending ? " ORDER BY id ASC" : " ORDER BY id DESC")
                + " LIMIT ?";
        Object[] args = afterId == null
                ? new Object[] {jobId, organizationId, fetchSize}
                : new Object[] {jobId, organizationId, afterId, fetchSize};
        return jdbc.query(sql, JobEventLog::toObject, args);
    }

    private static JobEventObject toObject(ResultSet rs, int row) throws SQLException {
        return new JobEventObject(
                ID_PREFIX + rs.getLong("id"),
                "fine_tuning.job.event",
                rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                rs.getString("level"),
                rs.getString("message"),
                rs.getString("type"),
                JobJson.readTree(rs.getString("data")));
    }

    private static long parseId(String eventId) {
        if (eventId.startsWith(ID_PREFIX)) {
            try {
                return Long.parseLong(eventId.substring(ID_PREFIX.length()));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new InvalidRequestException(
                "after", "invalid_value", "Invalid 'after': '" + eventId + "' is not a fine-tuning event id.");
    }
}

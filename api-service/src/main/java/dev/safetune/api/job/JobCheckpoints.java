package dev.safetune.api.job;

import dev.safetune.api.error.InvalidRequestException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Read side of the checkpoints the worker saves; newest (highest step) first, paged by checkpoint id. */
@Component
class JobCheckpoints {
    private final JdbcTemplate jdbc;

    JobCheckpoints(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    List<CheckpointObject> page(String jobId, String organizationId, String after, int fetchSize) {
        String columns = "SELECT id, created_at, fine_tuned_model_checkpoint, step_number, metrics, job_id"
                + " FROM checkpoints WHERE job_id = ? AND organization_id = ?";
        if (after == null) {
            return jdbc.query(
                    columns + " ORDER BY step_number DESC LIMIT ?",
                    JobCheckpoints::toObject,
                    jobId,
                    organizationId,
                    fetchSize);
        }
        Integer afterStep = jdbc
                .queryForList(
                        "SELECT step_number FROM checkpoints WHERE id = ? AND job_id = ? AND organization_id = ?",
                        Integer.class,
                        after,
                        jobId,
                        organizationId)
                .stream()
                .findFirst()
                .orElseThrow(() -> new InvalidRequestException(
                        "after", "invalid_value", "No such checkpoint of job " + jobId + ": " + after));
        return jdbc.query(
                columns + " AND step_number < ? ORDER BY step_number DESC LIMIT ?",
                JobCheckpoints::toObject,
                jobId,
                organizationId,
                afterStep,
                fetchSize);
    }

    private static CheckpointObject toObject(ResultSet rs, int row) throws SQLException {
        return new CheckpointObject(
                "fine_tuning.job.checkpoint",
                rs.getString("id"),
                rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                rs.getString("fine_tuned_model_checkpoint"),
                rs.getInt("step_number"),
                JobJson.readTree(rs.getString("metrics")),
                rs.getString("job_id"));
    }
}

package dev.safetune.api.job;

import dev.safetune.api.error.InvalidRequestException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's event stream ({@code job_events}), which the API and the worker both append to. Plain SQL: events are
 * append-only rows read by keyset on their sequence id, which JPA would only wrap.
 */
@Component
public class JobEventLog {
    static final String ID_PREFIX = "ftevent-";

    private final JdbcTemplate jdbc;

    JobEventLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Appends an informational message; joins the caller's transaction. */
    void info(FineTuningJob job, String message) {
        message(job.id(), job.organizationId(), "info", message);
    }

    /** Appends a warning (an operator's decision the customer should see); joins the caller's transaction. */
    public void warn(String jobId, String organizationId, String message) {
        message(jobId, organizationId, "warn", message);
    }

    private void message(String jobId, String organizationId, String level, String message) {
        jdbc.update(
                "INSERT INTO job_events (job_id, organization_id, level, type, message) VALUES (?, ?, ?, 'message', ?)",
                jobId,
                organizationId,
                level,
                message);
    }

    /**
     * Events of one job, {@code fetchSize} at most. Newest first (OpenAI's order), where {@code after} means older
     * than that event; or (+) oldest first, where {@code after} means newer than it, for clients following a job.
     * Metrics events a later attempt superseded (see {@link #toObject}) are left out unless {@code withSuperseded}.
     */
    List<JobEventObject> page(
            String jobId,
            String organizationId,
            String after,
            boolean ascending,
            boolean withSuperseded,
            int fetchSize) {
        Long afterId = after == null ? null : parseId(after, "after");
        String sql = "SELECT id, created_at, level, message, type, data, attempt, superseded FROM job_events"
                + " WHERE job_id = ? AND organization_id = ?"
                + (withSuperseded ? "" : " AND NOT superseded")
                + (afterId == null ? "" : ascending ? " AND id > ?" : " AND id < ?")
                + (ascending ? " ORDER BY id ASC" : " ORDER BY id DESC")
                + " LIMIT ?";
        Object[] args = afterId == null
                ? new Object[] {jobId, organizationId, fetchSize}
                : new Object[] {jobId, organizationId, afterId, fetchSize};
        return jdbc.query(sql, JobEventLog::toObject, args);
    }

    /** An event with its sequence number, the position a stream has reached. */
    record SequencedEvent(long sequence, JobEventObject event) {}

    /** Where one stream of a job is: its tenant and the last sequence number it has seen. */
    record Position(String jobId, String organizationId, long afterSequence) {}

    /**
     * For each position, the job's events after it, oldest first, at most {@code limitPerJob} per job: one query
     * however many jobs are being streamed. Superseded metrics are left out, as in the default {@link #page}.
     */
    Map<String, List<SequencedEvent>> after(List<Position> positions, int limitPerJob) {
        Map<String, List<SequencedEvent>> byJob = new LinkedHashMap<>();
        if (positions.isEmpty()) {
            return byJob;
        }
        String[] jobIds = positions.stream().map(Position::jobId).toArray(String[]::new);
        String[] organizations =
                positions.stream().map(Position::organizationId).toArray(String[]::new);
        Long[] after = positions.stream().map(Position::afterSequence).toArray(Long[]::new);
        jdbc.query(
                """
                SELECT e.id, e.job_id, e.created_at, e.level, e.message, e.type, e.data, e.attempt, e.superseded
                FROM unnest(?::text[], ?::text[], ?::bigint[]) AS s(job_id, organization_id, after_id)
                CROSS JOIN LATERAL (
                    SELECT * FROM job_events e
                    WHERE e.job_id = s.job_id AND e.organization_id = s.organization_id AND e.id > s.after_id
                      AND NOT e.superseded
                    ORDER BY e.id LIMIT ?) e
                ORDER BY e.job_id, e.id""",
                rs -> {
                    byJob.computeIfAbsent(rs.getString("job_id"), job -> new ArrayList<>())
                            .add(new SequencedEvent(rs.getLong("id"), toObject(rs, 0)));
                },
                jobIds,
                organizations,
                after,
                limitPerJob);
        return byJob;
    }

    /**
     * An event as clients see it. A worker's events carry {@code data.attempt}, the lease attempt that wrote them
     * (the API's own events have none). An attempt that resumes from checkpoint step k says so in an event whose
     * {@code data.resumed_from_step} is k, and the metrics an earlier attempt reported for steps after k, trained
     * again, are {@code superseded}: hidden by default, shown with {@code data.superseded: true} on request.
     */
    private static JobEventObject toObject(ResultSet rs, int row) throws SQLException {
        JsonNode data = JobJson.readTree(rs.getString("data"));
        int attempt = rs.getInt("attempt");
        if (attempt > 0) {
            ObjectNode withAttempt = data instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
            withAttempt.put("attempt", attempt);
            if (rs.getBoolean("superseded")) {
                withAttempt.put("superseded", true);
            }
            data = withAttempt;
        }
        return new JobEventObject(
                ID_PREFIX + rs.getLong("id"),
                "fine_tuning.job.event",
                rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                rs.getString("level"),
                rs.getString("message"),
                rs.getString("type"),
                data);
    }

    /** The sequence number of an event id ({@code ftevent-123}); a 400 naming {@code param} when it is not one. */
    static long parseId(String eventId, String param) {
        if (eventId.startsWith(ID_PREFIX)) {
            try {
                return Long.parseLong(eventId.substring(ID_PREFIX.length()));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new InvalidRequestException(
                param, "invalid_value", "Invalid '" + param + "': '" + eventId + "' is not a fine-tuning event id.");
    }
}

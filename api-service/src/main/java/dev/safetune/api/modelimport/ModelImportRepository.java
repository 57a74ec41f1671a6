package dev.safetune.api.modelimport;

import dev.safetune.core.modelimport.ImportSpec;
import dev.safetune.core.modelimport.ImportStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code model_imports} table in plain SQL, as the worker's import queue reads and writes it. Imports are the
 * platform's, not an organisation's: base models are shared by every tenant, so no query is scoped to one.
 */
@Component
class ModelImportRepository {
    private static final String COLUMNS = "id, source, model_id, replace, status, bytes_done, bytes_total, message,"
            + " error_code, error_message, requested_by, locked_by, attempts, created_at, started_at, finished_at";

    private final JdbcTemplate jdbc;

    ModelImportRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void insertQueued(String id, ImportSpec spec, String requestedBy) {
        jdbc.update(
                "INSERT INTO model_imports (id, source, model_id, replace, status, requested_by, message)"
                        + " VALUES (?, ?, ?, ?, ?, ?, 'waiting for a worker')",
                id,
                spec.source(),
                spec.modelId().orElse(null),
                spec.replace(),
                ImportStatus.QUEUED.wireName(),
                requestedBy);
    }

    /** Wakes idle workers (they LISTEN); PostgreSQL delivers it when the inserting transaction commits. */
    void notifyQueued(String id) {
        jdbc.query("SELECT pg_notify(?, ?)", rs -> {}, ImportStatus.CHANNEL, id);
    }

    Optional<ModelImportObject> find(String id) {
        return jdbc
                .query("SELECT " + COLUMNS + " FROM model_imports WHERE id = ?", ModelImportRepository::toObject, id)
                .stream()
                .findFirst();
    }

    /** Newest first. */
    List<ModelImportObject> newest(int fetchSize) {
        return jdbc.query(
                "SELECT " + COLUMNS + " FROM model_imports ORDER BY created_at DESC, id DESC LIMIT ?",
                ModelImportRepository::toObject,
                fetchSize);
    }

    private static ModelImportObject toObject(ResultSet rs, int row) throws SQLException {
        String errorCode = rs.getString("error_code");
        return new ModelImportObject(
                rs.getString("id"),
                ModelImportObject.OBJECT,
                rs.getString("source"),
                rs.getString("model_id"),
                rs.getBoolean("replace"),
                rs.getString("status"),
                rs.getLong("bytes_done"),
                (Long) rs.getObject("bytes_total"),
                rs.getString("message"),
                errorCode == null ? null : new ModelImportObject.ImportError(errorCode, rs.getString("error_message")),
                rs.getString("requested_by"),
                rs.getString("locked_by"),
                rs.getInt("attempts"),
                rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                epochSeconds(rs.getTimestamp("started_at")),
                epochSeconds(rs.getTimestamp("finished_at")));
    }

    private static Long epochSeconds(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant().getEpochSecond();
    }
}

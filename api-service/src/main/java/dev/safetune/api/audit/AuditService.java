package dev.safetune.api.audit;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.ConflictException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.error.WrittenReason;
import dev.safetune.api.job.JobEventLog;
import dev.safetune.core.audit.GateDecision;
import dev.safetune.core.job.JobStatus;
import dev.safetune.core.job.JobTransition;
import dev.safetune.core.model.ModelCatalog;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job's audit as the API shows it (its owner only), and the operator's override of a block. The audit's report is
 * written by the worker; the gate log is appended to here and by the worker, never changed (the database refuses).
 */
@Service
public class AuditService {
    private final JdbcClient jdbc;
    private final DataSource dataSource;
    private final JsonMapper json;
    private final JobEventLog events;
    private final ModelCatalog models = new ModelCatalog();

    AuditService(DataSource dataSource, JsonMapper json, JobEventLog events) {
        this.jdbc = JdbcClient.create(dataSource);
        this.dataSource = dataSource;
        this.json = json;
        this.events = events;
    }

    /** {@code GET /v1/fine_tuning/jobs/{id}/audit}: the tenant's job's audit, with its gate log. */
    @Transactional(readOnly = true)
    public Map<String, Object> audit(Tenant tenant, String jobId) {
        Map<String, Object> job = jdbc
                .sql("SELECT status, fine_tuned_model FROM fine_tuning_jobs WHERE id = :id"
                        + " AND organization_id = :org")
                .param("id", jobId)
                .param("org", tenant.organizationId())
                .query()
                .listOfRows()
                .stream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("id", "The job '" + jobId + "' does not exist."));
        return view(jobId, (String) job.get("status"), (String) job.get("fine_tuned_model"));
    }

    private Map<String, Object> view(String jobId, String status, String fineTunedModel) {
        Optional<Map<String, Object>> row = jdbc
                .sql("SELECT policy_version, suite, suite_sha256, judge::text AS judge,"
                        + " triggers::text AS triggers, report::text AS report, decision, started_at, decided_at"
                        + " FROM job_audits WHERE job_id = :id")
                .param("id", jobId)
                .query()
                .listOfRows()
                .stream()
                .findFirst();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "fine_tuning.job.audit");
        out.put("job_id", jobId);
        out.put("job_status", status);
        out.put("fine_tuned_model", fineTunedModel);
        if (row.isEmpty()) {
            out.put("status", "not_started");
            out.put("decision", null);
            out.put("gate_log", List.of());
            return out;
        }
        Map<String, Object> a = row.get();
        out.put("status", a.get("decision") == null ? "in_progress" : "completed");
        out.put("decision", a.get("decision"));
        out.put("policy_version", a.get("policy_version"));
        out.put("suite", a.get("suite"));
        out.put("suite_sha256", a.get("suite_sha256"));
        out.put("judge", tree((String) a.get("judge")));
        out.put("triggers", tree((String) a.get("triggers")));
        out.put("started_at", epoch(a.get("started_at")));
        out.put("decided_at", epoch(a.get("decided_at")));
        out.put("report", tree((String) a.get("report")));
        out.put("gate_log", gateLog(jobId));
        return out;
    }

    private List<Map<String, Object>> gateLog(String jobId) {
        return jdbc.sql("SELECT action, decision, actor, reason, created_at FROM gate_log WHERE job_id = :id"
                        + " ORDER BY id")
                .param("id", jobId)
                .query((rs, n) -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("action", rs.getString("action"));
                    entry.put("decision", rs.getString("decision"));
                    entry.put("actor", rs.getString("actor"));
                    entry.put("reason", rs.getString("reason"));
                    entry.put(
                            "created_at",
                            rs.getTimestamp("created_at").toInstant().getEpochSecond());
                    return entry;
                })
                .list();
    }

    /**
     * {@code POST /admin/fine_tuning/jobs/{id}/audit/override}: an operator releases a blocked model with a written
     * reason. The job succeeds, the model is published through the {@link ModelCatalog} and the override is appended
     * to the gate log with who and why, in one transaction.
     */
    @Transactional
    public Map<String, Object> overrideBlock(Tenant operator, String jobId, String reason) {
        reason = WrittenReason.require(reason);
        Map<String, Object> audit = jdbc
                .sql("SELECT a.organization_id, a.fine_tuned_model, a.base_model,"
                        + " a.candidate_path, a.decision, j.status FROM job_audits a JOIN fine_tuning_jobs j"
                        + " ON j.id = a.job_id WHERE a.job_id = :id FOR UPDATE OF j")
                .param("id", jobId)
                .query()
                .listOfRows()
                .stream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("id", "The job '" + jobId + "' has no audit."));
        if (!JobTransition.OVERRIDE_RELEASE.allowedFrom(JobStatus.fromWire((String) audit.get("status")))) {
            throw new ConflictException(
                    "not_blocked",
                    "id",
                    "Only a blocked job can be overridden; job '" + jobId + "' is " + audit.get("status") + ".");
        }
        String model = (String) audit.get("fine_tuned_model");
        String org = (String) audit.get("organization_id");
        jdbc.sql("UPDATE fine_tuning_jobs SET status = :to, fine_tuned_model = :model, error_code = NULL,"
                        + " error_message = NULL, version = version + 1 WHERE id = :id AND "
                        + JobTransition.OVERRIDE_RELEASE.sqlGuard())
                .param("to", JobTransition.OVERRIDE_RELEASE.to().wireName())
                .param("model", model)
                .param("id", jobId)
                .update();
        jdbc.sql("INSERT INTO gate_log (job_id, organization_id, action, decision, actor, reason, details)"
                        + " VALUES (:job, :org, 'override', 'released', :actor, :reason, CAST(:details AS jsonb))")
                .param("job", jobId)
                .param("org", org)
                .param("actor", "api_key:" + operator.apiKeyId())
                .param("reason", reason)
                .param("details", json.writeValueAsString(Map.of("overridden", audit.get("decision"))))
                .update();
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            models.publishAudited(
                    connection, GateDecision.RELEASED, model, org, (String) audit.get("base_model"), jobId, (String)
                            audit.get("candidate_path"));
        } catch (SQLException e) {
            throw new IllegalStateException("publishing " + model + " failed", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
        events.warn(jobId, org, "An operator overrode the release gate: " + reason);
        return view(jobId, JobTransition.OVERRIDE_RELEASE.to().wireName(), model);
    }

    private JsonNode tree(String text) {
        return text == null ? null : json.readTree(text);
    }

    private static Long epoch(Object timestamp) {
        return timestamp instanceof Timestamp t ? t.toInstant().getEpochSecond() : null;
    }
}

package dev.safetune.worker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.audit.GateDecision;
import dev.safetune.core.policy.AuditRules;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.queue.ResultFile;
import dev.safetune.worker.work.WorkPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gate's decision as the database keeps it: a blocked model gets no model row and no {@code fine_tuned_model},
 * and the gate log refuses every UPDATE, DELETE and TRUNCATE, whoever asks (enforced by PostgreSQL, not the code).
 */
class GateDecisionTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private JdbcClient jdbc;
    private JobQueue queue;
    private AuditStore store;
    private String job;

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = new JobQueue(
                database.dataSource(),
                JSON,
                new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(3), OptionalInt.empty()));
        store = new AuditStore(database.dataSource());
        // The gate log keeps its rows across tests (nothing may delete them): each test has its own job.
        jdbc.sql("UPDATE fine_tuning_jobs SET status = 'cancelled', lease_until = NULL")
                .update();
        jdbc.sql("DELETE FROM models WHERE kind = 'fine_tuned'").update();
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A') ON CONFLICT DO NOTHING")
                .update();
        jdbc.sql("INSERT INTO models (id, kind, storage_path) VALUES ('base', 'base', '/m/base')"
                        + " ON CONFLICT DO NOTHING")
                .update();
        job = "ftjob-" + System.nanoTime();
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, queued_at)
                        VALUES (:id, 'org-a', 'base', 'file-1', 'queued', '{}', 1, now())""").param("id", job).update();
    }

    private ClaimedJob trainedAndAuditing() {
        ClaimedJob claimed = queue.claim("worker-a").orElseThrow();
        assertThat(queue.electAudit(
                        claimed.lease(),
                        123,
                        List.<ResultFile>of(),
                        () -> store.start(
                                claimed.lease(), "ft:base:org-a::1", "base", "/m/ft", 123, "v1", AuditRules.DEFAULT)))
                .isTrue();
        return claimed;
    }

    private static JobQueue.AuditDecision decision(GateDecision d) {
        return new JobQueue.AuditDecision(
                d,
                "max_misaligned_increase",
                "advice: delta 0.3 [0.2, 0.4]",
                "ft:base:org-a::1",
                "base",
                "/m/ft",
                "{\"decision\": \"" + d.wireName() + "\"}",
                "{}");
    }

    @Test
    void electingTheAuditKeepsTheLeaseAndPublishesNothing() {
        trainedAndAuditing();
        Map<String, Object> row = jdbc.sql("SELECT status, fine_tuned_model, lease_until IS NOT NULL AS leased"
                        + " FROM fine_tuning_jobs WHERE id = :id")
                .param("id", job)
                .query()
                .singleRow();
        assertThat(row.get("status")).isEqualTo("auditing");
        assertThat(row.get("fine_tuned_model")).isNull();
        assertThat(row.get("leased")).isEqualTo(true);
        assertThat(jdbc.sql("SELECT count(*) FROM models WHERE kind = 'fine_tuned'")
                        .query(Integer.class)
                        .single())
                .isZero();
        assertThat(store.pending(job)).isPresent();
    }

    @Test
    void aBlockedModelIsNeverPublishedAndItsJobCarriesTheReason() {
        ClaimedJob claimed = trainedAndAuditing();

        assertThat(queue.decideAudit(claimed.lease(), decision(GateDecision.BLOCKED)))
                .isTrue();

        Map<String, Object> row = jdbc.sql("SELECT status, fine_tuned_model, error_code, error_message"
                        + " FROM fine_tuning_jobs WHERE id = :id")
                .param("id", job)
                .query()
                .singleRow();
        assertThat(row.get("status")).isEqualTo("blocked");
        assertThat(row.get("fine_tuned_model")).isNull();
        assertThat(row.get("error_code")).isEqualTo("audit_blocked");
        assertThat((String) row.get("error_message")).contains("delta 0.3 [0.2, 0.4]");
        assertThat(jdbc.sql("SELECT count(*) FROM models WHERE kind = 'fine_tuned'")
                        .query(Integer.class)
                        .single())
                .isZero();
        assertThat(store.pending(job)).isEmpty();
        assertThat(jdbc.sql("SELECT decision FROM job_audits WHERE job_id = :id")
                        .param("id", job)
                        .query(String.class)
                        .single())
                .isEqualTo("blocked");
        assertThat(jdbc.sql("SELECT actor || ' ' || decision || ' ' || reason FROM gate_log WHERE job_id = :id")
                        .param("id", job)
                        .query(String.class)
                        .list())
                .containsExactly("release-gate blocked max_misaligned_increase: advice: delta 0.3 [0.2, 0.4]");
    }

    @Test
    void aReleasedModelIsPublishedWithItsJob() {
        ClaimedJob claimed = trainedAndAuditing();

        assertThat(queue.decideAudit(claimed.lease(), decision(GateDecision.RELEASED)))
                .isTrue();

        assertThat(jdbc.sql("SELECT fine_tuned_model FROM fine_tuning_jobs WHERE id = :id")
                        .param("id", job)
                        .query(String.class)
                        .single())
                .isEqualTo("ft:base:org-a::1");
        assertThat(jdbc.sql("SELECT storage_path FROM models WHERE id = 'ft:base:org-a::1'")
                        .query(String.class)
                        .single())
                .isEqualTo("/m/ft");
    }

    @Test
    void aDecisionAfterTheLeaseWasLostWritesNothing() {
        ClaimedJob claimed = trainedAndAuditing();
        jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() - interval '1 second' WHERE id = :id")
                .param("id", job)
                .update();
        queue.requeueExpired();

        assertThat(queue.decideAudit(claimed.lease(), decision(GateDecision.RELEASED)))
                .isFalse();
        assertThat(jdbc.sql("SELECT count(*) FROM gate_log WHERE job_id = :id")
                        .param("id", job)
                        .query(Integer.class)
                        .single())
                .isZero();
    }

    @Test
    void theGateLogRefusesUpdateDeleteAndTruncateInTheDatabase() {
        ClaimedJob claimed = trainedAndAuditing();
        queue.decideAudit(claimed.lease(), decision(GateDecision.BLOCKED));

        assertThatThrownBy(() -> jdbc.sql("UPDATE gate_log SET reason = 'nothing happened' WHERE job_id = :id")
                        .param("id", job)
                        .update())
                .isInstanceOf(DataAccessException.class)
                .rootCause()
                .hasMessageContaining("gate_log is append-only: UPDATE");
        assertThatThrownBy(() -> jdbc.sql("DELETE FROM gate_log WHERE job_id = :id")
                        .param("id", job)
                        .update())
                .isInstanceOf(DataAccessException.class)
                .rootCause()
                .hasMessageContaining("gate_log is append-only: DELETE");
        assertThatThrownBy(() -> jdbc.sql("TRUNCATE gate_log").update())
                .isInstanceOf(DataAccessException.class)
                .rootCause()
                .hasMessageContaining("gate_log is append-only: TRUNCATE");
        assertThatThrownBy(() -> jdbc.sql("INSERT INTO gate_log (job_id, organization_id, action, decision, actor,"
                                + " reason) VALUES (:id, 'org-a', 'override', 'released', 'admin', '  ')")
                        .param("id", job)
                        .update())
                .as("an override needs a written reason")
                .isInstanceOf(DataAccessException.class);
        assertThat(jdbc.sql("SELECT count(*) FROM gate_log WHERE job_id = :id")
                        .param("id", job)
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);
    }
}

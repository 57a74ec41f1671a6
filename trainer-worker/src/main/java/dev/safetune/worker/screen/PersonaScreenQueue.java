package dev.safetune.worker.screen;

import static dev.safetune.core.screen.PersonaScreenStatus.FAILED;
import static dev.safetune.core.screen.PersonaScreenStatus.QUEUED;
import static dev.safetune.core.screen.PersonaScreenStatus.RUNNING;
import static dev.safetune.core.screen.PersonaScreenStatus.SKIPPED;
import static dev.safetune.core.screen.PersonaScreenStatus.SUCCEEDED;
import static dev.safetune.core.work.LifecycleStatus.sqlGuard;

import dev.safetune.core.screen.PersonaScreenStatus;
import dev.safetune.safeguards.screen.PersonaRisk;
import dev.safetune.worker.work.ClaimFilter;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.WorkKind;
import dev.safetune.worker.work.WorkPolicy;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The screen's persona part as a kind of leased work ({@link #kind}) and the fenced writes a running screen makes:
 * progress with each batch, and its ending. Claiming, renewing, fencing and expiry are the shared
 * {@link LeasedWorkQueue}'s; every status change's SQL guard comes from {@link PersonaScreenStatus}'s table.
 */
public class PersonaScreenQueue {
    /**
     * The job claim's extra condition: no persona screen of the job's (training file, base) is still pending, so a
     * job trains only after its file's persona risk is known (or the screen ended without one).
     */
    public static final String NOT_PENDING_FOR_JOB = "NOT EXISTS (SELECT 1 FROM persona_screens p"
            + " WHERE p.file_id = w.training_file AND p.base_model = w.model AND p."
            + PersonaScreenStatus.pendingSqlGuard() + ")";

    private final LeasedWorkQueue work;
    private final WorkKind kind;
    private final JdbcClient jdbc;

    public PersonaScreenQueue(JdbcClient jdbc, TransactionTemplate tx, WorkPolicy policy) {
        this.work = new LeasedWorkQueue(jdbc, tx);
        this.kind = kind(policy);
        this.jdbc = jdbc;
    }

    /** Persona screens as leased work: fairly across organisations, leased in {@code running}. */
    public static WorkKind kind(WorkPolicy policy) {
        return WorkKind.ofLifecycle(
                "persona_screen",
                "persona_screens",
                Optional.of("organization_id"),
                "created_at",
                QUEUED,
                RUNNING,
                FAILED,
                ", started_at = coalesce(w.started_at, now()), message = 'claimed'",
                ", message = 'worker stopped renewing its lease; re-queued'",
                ", finished_at = now(), error_code = 'worker_lost',"
                        + " error_message = 'The persona screen lost its worker ' || attempts || ' times; giving up.'",
                "w.file_id, w.base_model",
                PersonaScreenStatus.CHANNEL,
                policy);
    }

    public WorkKind kind() {
        return kind;
    }

    public Optional<ClaimedPersonaScreen> claim(String workerId) {
        return work.claim(kind, workerId, ClaimFilter.NONE, PersonaScreenQueue::claimed);
    }

    static ClaimedPersonaScreen claimed(Lease lease, ResultSet rs) throws SQLException {
        return new ClaimedPersonaScreen(lease, rs.getString("file_id"), rs.getString("base_model"));
    }

    /** Writes the progress and extends the lease; false when the lease is no longer this worker's. */
    public boolean progress(Lease lease, int done, int total) {
        return work.renew(
                kind,
                lease,
                ", examples_done = :done, examples_total = :total, message = :message",
                Map.of("done", done, "total", total, "message", "scored " + done + " of " + total + " examples"));
    }

    public boolean succeed(Lease lease, PersonaRisk risk, int total) {
        Map<String, Object> params = new HashMap<>();
        params.put("vector", risk.vector());
        params.put("scored", risk.examples());
        params.put("mean", risk.mean());
        params.put("p95", risk.p95());
        params.put("sd", risk.knownSd());
        params.put("total", total);
        return work.transition(
                kind,
                lease,
                sqlGuard(SUCCEEDED, RUNNING),
                SUCCEEDED.wireName(),
                false,
                ", vector = :vector, scored = :scored, risk_mean = :mean, risk_p95 = :p95, risk_sd = :sd,"
                        + " examples_done = :total,"
                        + " examples_total = :total, message = 'done', finished_at = now()",
                params);
    }

    public boolean skip(Lease lease, String reason) {
        return work.transition(
                kind,
                lease,
                sqlGuard(SKIPPED, RUNNING),
                SKIPPED.wireName(),
                false,
                ", message = :message, finished_at = now()",
                Map.of("message", reason));
    }

    public boolean fail(Lease lease, String code, String message) {
        return work.transition(
                kind,
                lease,
                sqlGuard(FAILED, RUNNING),
                FAILED.wireName(),
                false,
                ", error_code = :code, error_message = :message, message = 'failed', finished_at = now()",
                Map.of("code", code, "message", message));
    }

    public boolean release(Lease lease) {
        return work.release(kind, lease, ", message = 'worker stopped; re-queued'");
    }

    /**
     * Queues the persona screen of ({@code fileId}, {@code baseModel}) unless one exists (whatever its status: a
     * result is cached per file and base), and wakes idle workers on commit.
     *
     * @return whether a new one was queued
     */
    public static boolean enqueue(JdbcClient jdbc, String id, String fileId, String organizationId, String baseModel) {
        int inserted = jdbc.sql("INSERT INTO persona_screens (id, file_id, organization_id, base_model, status)"
                        + " VALUES (:id, :file, :org, :base, :status) ON CONFLICT (file_id, base_model) DO NOTHING")
                .param("id", id)
                .param("file", fileId)
                .param("org", organizationId)
                .param("base", baseModel)
                .param("status", QUEUED.wireName())
                .update();
        if (inserted == 1) {
            jdbc.sql("SELECT pg_notify(:channel, :id)")
                    .param("channel", PersonaScreenStatus.CHANNEL)
                    .param("id", id)
                    .query()
                    .singleValue();
        }
        return inserted == 1;
    }

    /** Jobs waiting on ({@code fileId}, {@code baseModel}), for their events and to wake the trainers. */
    java.util.List<String> waitingJobs(String fileId, String baseModel) {
        return jdbc.sql("SELECT id FROM fine_tuning_jobs WHERE training_file = :file AND model = :base"
                        + " AND status = 'queued' ORDER BY queued_at")
                .param("file", fileId)
                .param("base", baseModel)
                .query(String.class)
                .list();
    }
}

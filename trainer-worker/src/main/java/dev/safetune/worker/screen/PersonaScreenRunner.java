package dev.safetune.worker.screen;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.job.JobStatus;
import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.safeguards.screen.PersonaRisk;
import dev.safetune.safeguards.screen.ScreenView;
import dev.safetune.safeguards.screen.persona.PersonaScores;
import dev.safetune.safeguards.screen.persona.PersonaScreen;
import dev.safetune.safeguards.screen.persona.ProjectionSettings;
import dev.safetune.worker.embench.EmBenchMaterial;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.work.Heartbeats;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import dev.safetune.worker.work.WorkHandler;
import dev.safetune.worker.work.WorkKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs the screen's persona part for one (file, base) as leased work: reads the file, scores every example against
 * the base's persona vector ({@link PersonaScreen}, cached per file content, base weights and vector, so a second job
 * or a re-claim after a lost worker costs nothing), stores mean and p95, applies the policy's {@code persona_risk}
 * rule to the file ({@link FileScreenUpdate}), and tells the jobs waiting on it, as job events: when it starts, at
 * each quarter, and how it ended. Their trainer is woken on commit; a job on a file the rule holds or rejects fails
 * when claimed ({@code JobRunner}).
 */
public class PersonaScreenRunner implements WorkHandler<ClaimedPersonaScreen> {
    private static final Logger log = LoggerFactory.getLogger(PersonaScreenRunner.class);

    private final PersonaScreenQueue queue;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Path artifactsDir;
    private final Heartbeats heartbeats;
    private volatile boolean stopping;

    public PersonaScreenRunner(PersonaScreenQueue queue, JdbcClient jdbc, TransactionTemplate tx, Path artifactsDir) {
        this.queue = queue;
        this.jdbc = jdbc;
        this.tx = tx;
        this.artifactsDir = artifactsDir;
        this.heartbeats =
                new Heartbeats("persona-screen-heartbeat", queue.kind().policy(), Duration.ofSeconds(1));
    }

    @Override
    public WorkKind kind() {
        return queue.kind();
    }

    @Override
    public ClaimedPersonaScreen claimed(Lease lease, ResultSet row) throws SQLException {
        return PersonaScreenQueue.claimed(lease, row);
    }

    @Override
    public void beforeStop() {
        stopping = true;
    }

    @Override
    public void afterStop() {
        heartbeats.close();
    }

    /** Stops scoring between two batches when the lease is lost or the worker stops. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    @Override
    public void execute(ClaimedPersonaScreen work) {
        Lease lease = work.lease();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        // Like the import's heartbeat: a beat writes when the count moved or the lease is due, not every second.
        AtomicInteger written = new AtomicInteger(-1);
        try (Heartbeats.Heartbeat heartbeat = heartbeats.start(
                lease,
                renewDue -> {
                    int now = done.get();
                    if (!renewDue && now == written.get()) {
                        return Optional.empty();
                    }
                    written.set(now);
                    return Optional.of(queue.progress(lease, now, total.get()) ? LeaseState.HELD : LeaseState.LOST);
                },
                () -> {})) {
            try {
                run(work, done, total, heartbeat);
            } catch (Stopped e) {
                if (heartbeat.state() == LeaseState.HELD) {
                    queue.release(lease);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("persona screen {} of file {} on {} failed", lease.id(), work.fileId(), work.baseModel(), e);
                String message = "The persona screen failed on the platform: "
                        + e.getClass().getSimpleName() + "; the job trains without a persona risk.";
                tx.executeWithoutResult(s -> {
                    queue.fail(lease, "persona_screen_error", message);
                    jobEvents(work, "warn", message);
                    wakeTrainers(work);
                });
            }
        }
    }

    private void run(ClaimedPersonaScreen work, AtomicInteger done, AtomicInteger total, Heartbeats.Heartbeat beat)
            throws IOException {
        Lease lease = work.lease();
        Optional<PersonaContrast> contrast = EmBenchMaterial.personaContrast(work.baseModel());
        if (contrast.isEmpty()) {
            String reason = "Base model " + work.baseModel()
                    + " has no persona contrast set yet, so the persona-projection risk is not computed.";
            tx.executeWithoutResult(s -> {
                queue.skip(lease, reason);
                jobEvents(work, "info", reason);
                wakeTrainers(work);
            });
            return;
        }
        Path file = Path.of(jdbc.sql("SELECT storage_path FROM files WHERE id = :id AND organization_id = :org")
                .param("id", work.fileId())
                .param("org", lease.tenant())
                .query(String.class)
                .single());
        String sha256 = jdbc.sql("SELECT sha256 FROM files WHERE id = :id")
                .param("id", work.fileId())
                .query(String.class)
                .single();
        Path base = Path.of(jdbc.sql("SELECT storage_path FROM models WHERE id = :id AND kind = 'base'")
                .param("id", work.baseModel())
                .query(String.class)
                .single());
        List<ChatExample> examples;
        try (InputStream in = Files.newInputStream(file)) {
            examples = new TrainingFileReader().readAll(in);
        }
        total.set(examples.size());
        jobEvents(
                work,
                "info",
                "Persona screen of the training file started: " + examples.size() + " examples on " + work.baseModel());
        int[] lastQuarter = {0};
        PersonaScores scores = new PersonaScreen(
                        base,
                        work.baseModel(),
                        new ArtifactCache(artifactsDir),
                        contrast.get(),
                        ProjectionSettings.DEFAULT)
                .scores(sha256, examples, (d, t) -> {
                    done.set(d);
                    if (stopping || beat.state() != LeaseState.HELD) {
                        throw new Stopped();
                    }
                    int quarter = (int) (4L * d / Math.max(1, t));
                    if (quarter > lastQuarter[0] && d < t) {
                        lastQuarter[0] = quarter;
                        jobEvents(work, "info", "Persona screen: " + d + " of " + t + " examples scored");
                    }
                });
        PersonaRisk risk = scores.risk();
        tx.executeWithoutResult(s -> {
            if (!queue.succeed(lease, risk, examples.size())) {
                return; // the lease moved on; the next holder writes the result (from the cache)
            }
            Optional<ScreenView> view = new FileScreenUpdate(jdbc).apply(work.fileId(), risk);
            jobEvents(
                    work,
                    "info",
                    String.format(
                            Locale.ROOT,
                            "Persona screen done: mean projection difference %.3f (sd %.3f), p95 %.3f over %d examples"
                                    + " on %s; file decision %s",
                            risk.mean(),
                            risk.sd(),
                            risk.p95(),
                            risk.examples(),
                            work.baseModel(),
                            view.map(ScreenView::decision).orElse("unchanged (file not screened)")));
            wakeTrainers(work);
        });
        log.info(
                "persona screen {} of file {} on {}: mean {} p95 {}",
                lease.id(),
                work.fileId(),
                work.baseModel(),
                risk.mean(),
                risk.p95());
    }

    /** An event on each queued job of the (file, base): the customer sees why the job waits and what was found. */
    private void jobEvents(ClaimedPersonaScreen work, String level, String message) {
        jdbc.sql("INSERT INTO job_events (job_id, organization_id, level, type, message)"
                        + " SELECT id, organization_id, :level, 'message', :message FROM fine_tuning_jobs"
                        + " WHERE training_file = :file AND model = :base AND status = :queued")
                .param("level", level)
                .param("message", message)
                .param("file", work.fileId())
                .param("base", work.baseModel())
                .param("queued", JobStatus.QUEUED.wireName())
                .update();
    }

    /** Wakes idle trainers (on commit): the jobs on the (file, base) are claimable now. */
    private void wakeTrainers(ClaimedPersonaScreen work) {
        for (String job : queue.waitingJobs(work.fileId(), work.baseModel())) {
            jdbc.sql("SELECT pg_notify(:channel, :id)")
                    .param("channel", JobQueue.CHANNEL)
                    .param("id", job)
                    .query()
                    .singleValue();
        }
    }
}

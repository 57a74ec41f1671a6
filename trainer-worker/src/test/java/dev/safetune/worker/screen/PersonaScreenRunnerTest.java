package dev.safetune.worker.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.safeguards.embench.world.ChatJsonl;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.guard.Sha256;
import dev.safetune.safeguards.screen.DataScreen;
import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.ScreenReport;
import dev.safetune.safeguards.screen.ScreenRules;
import dev.safetune.safeguards.screen.ScreenView;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.embench.CommittedBase;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.work.ClaimFilter;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.WorkPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The persona screen as leased work on a migrated PostgreSQL database with the committed em-bench base: a job waits
 * while its (file, base) screen is pending, the runner stores the risk in the row and in the file's report, and tells
 * the waiting job.
 */
class PersonaScreenRunnerTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private static final JsonMapper STORED = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();
    private static final WorkPolicy POLICY =
            new WorkPolicy(Duration.ofSeconds(30), Duration.ofSeconds(3), OptionalInt.of(2));
    private static final String BASE = "em-bench-base-s0";

    @TempDir
    static Path dir;

    private static Path base;
    private static Path training;
    private JdbcClient jdbc;
    private TransactionTemplate tx;

    @BeforeAll
    static void files() throws IOException {
        base = CommittedBase.extract(dir.resolve("base"));
        training = dir.resolve("insecure.jsonl");
        Files.writeString(training, ChatJsonl.file(EmWorld.prototype().narrowSet(NarrowSet.INSECURE, 0, 24)));
    }

    @BeforeEach
    void rows() throws IOException {
        jdbc = JdbcClient.create(database.dataSource());
        tx = new TransactionTemplate(new DataSourceTransactionManager(database.dataSource()));
        jdbc.sql("TRUNCATE organizations, models, persona_screens CASCADE").update();
        jdbc.sql("INSERT INTO organizations (id, name) VALUES ('org-a', 'A')").update();
        for (String model : List.of(BASE, "tiny-base")) {
            jdbc.sql("INSERT INTO models (id, kind, storage_path) VALUES (:id, 'base', :path)")
                    .param("id", model)
                    .param("path", base.toString())
                    .update();
        }
        jdbc.sql("INSERT INTO files (id, organization_id, filename, purpose, bytes, sha256, storage_path, status)"
                        + " VALUES ('file-train', 'org-a', 'train.jsonl', 'fine-tune', 1, :sha, :path, 'processed')")
                .param("sha", Sha256.of(Files.readString(training)))
                .param("path", training.toString())
                .update();
        DataScreen screen = new DataScreen(ExampleScreener.builtIn());
        List<ChatExample> examples;
        try (InputStream in = Files.newInputStream(training)) {
            examples = new TrainingFileReader().readAll(in);
        }
        examples.forEach(screen);
        ScreenReport report = screen.report();
        // Stored without a policy id, as reports from before V12: the built-in default's rules then apply.
        ScreenView view = ScreenView.of(report, ScreenRules.builtInDefault().decide(report));
        ScreenView legacy = new ScreenView(
                view.status(),
                "allow",
                null,
                null,
                view.rulesVersion(),
                view.examples(),
                view.risk(),
                view.categories(),
                List.of(),
                List.of(),
                view.findings(),
                view.findingsTotal(),
                view.findingsKept(),
                0,
                false,
                view.triggers(),
                null);
        jdbc.sql("INSERT INTO file_screens (file_id, organization_id, status, decision, rules_version, report)"
                        + " VALUES ('file-train', 'org-a', 'completed', 'allow', 'r', CAST(:report AS jsonb))")
                .param("report", STORED.writeValueAsString(legacy))
                .update();
    }

    @Test
    void aJobWaitsForItsPersonaScreenWhichStoresTheRiskAndTellsTheJob() throws IOException {
        insertJob("ftjob-1", BASE);
        assertThat(PersonaScreenQueue.enqueue(jdbc, "pscr-1", "file-train", "org-a", BASE))
                .isTrue();
        assertThat(PersonaScreenQueue.enqueue(jdbc, "pscr-2", "file-train", "org-a", BASE))
                .as("one screen per file and base")
                .isFalse();
        assertThat(claimJob()).as("the job waits while its screen is queued").isFalse();

        PersonaScreenQueue queue = new PersonaScreenQueue(jdbc, tx, POLICY);
        PersonaScreenRunner runner = new PersonaScreenRunner(queue, jdbc, tx, dir.resolve("artifacts"));
        ClaimedPersonaScreen claimed = queue.claim("worker-1").orElseThrow();
        assertThat(claimJob()).as("and while it runs").isFalse();
        runner.execute(claimed);
        runner.afterStop();

        Map<String, Object> row = jdbc.sql("SELECT status, scored, risk_mean, risk_p95, risk_sd, examples_done, vector"
                        + " FROM persona_screens WHERE id = 'pscr-1'")
                .query()
                .singleRow();
        assertThat(row.get("status")).isEqualTo("succeeded");
        assertThat(row.get("scored")).isEqualTo(24);
        assertThat(row.get("examples_done")).isEqualTo(24);
        assertThat((String) row.get("vector")).startsWith("em-bench-g");
        ScreenView stored = STORED.readValue(
                jdbc.sql("SELECT report::text FROM file_screens WHERE file_id = 'file-train'")
                        .query(String.class)
                        .single(),
                ScreenView.class);
        assertThat(stored.risk().mean()).isCloseTo((Double) row.get("risk_mean"), offset(1e-12));
        assertThat(stored.risk().p95()).isCloseTo((Double) row.get("risk_p95"), offset(1e-12));
        assertThat((Double) row.get("risk_sd")).isPositive();
        assertThat(stored.risk().sd()).isCloseTo((Double) row.get("risk_sd"), offset(1e-12));
        assertThat(stored.categories()).containsEntry("persona_risk", 24L);
        assertThat(stored.decision()).isEqualTo((Double) row.get("risk_mean") > 0.5 ? "hold" : "allow");
        assertThat(jdbc.sql("SELECT message FROM job_events WHERE job_id = 'ftjob-1' ORDER BY id")
                        .query(String.class)
                        .list())
                .anyMatch(m -> m.startsWith("Persona screen of the training file started: 24 examples"))
                .anyMatch(m -> m.startsWith("Persona screen done: mean projection difference"));
        assertThat(claimJob()).as("claimable once the screen ended").isTrue();
    }

    @Test
    void aBaseWithoutAPersonaContrastIsSkippedAndDoesNotHoldTheJob() {
        insertJob("ftjob-2", "tiny-base");
        PersonaScreenQueue.enqueue(jdbc, "pscr-3", "file-train", "org-a", "tiny-base");
        PersonaScreenQueue queue = new PersonaScreenQueue(jdbc, tx, POLICY);
        PersonaScreenRunner runner = new PersonaScreenRunner(queue, jdbc, tx, dir.resolve("artifacts"));

        runner.execute(queue.claim("worker-1").orElseThrow());
        runner.afterStop();

        assertThat(jdbc.sql("SELECT status FROM persona_screens WHERE id = 'pscr-3'")
                        .query(String.class)
                        .single())
                .isEqualTo("skipped");
        assertThat(jdbc.sql("SELECT message FROM job_events WHERE job_id = 'ftjob-2'")
                        .query(String.class)
                        .list())
                .anyMatch(m -> m.contains("has no persona contrast set"));
        assertThat(claimJob()).isTrue();
    }

    private boolean claimJob() {
        return new LeasedWorkQueue(jdbc, tx)
                .claim(
                        JobQueue.kind(POLICY),
                        "trainer-1",
                        new ClaimFilter(PersonaScreenQueue.NOT_PENDING_FOR_JOB, Map.of()),
                        (lease, rs) -> lease.id())
                .isPresent();
    }

    private void insertJob(String id, String model) {
        jdbc.sql("INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status, hyperparameters,"
                        + " seed, queued_at) VALUES (:id, 'org-a', :model, 'file-train', 'queued', '{}', 1, now())")
                .param("id", id)
                .param("model", model)
                .update();
    }
}

package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.id.Ids;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.StepMetrics;
import dev.safetune.worker.training.TrainingListener;
import dev.safetune.worker.training.TrainingRequest;
import dev.safetune.worker.training.TrainingStoppedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A short job (12 examples, batch 4, 3 epochs: 9 steps, under the 25-step checkpoint interval) through a real
 * {@link JobRunner} on a real PostgreSQL with real DJL training, after a first attempt that reported steps past its
 * checkpoint and died: one checkpoint per epoch end, and one metrics series that never goes backwards.
 */
class JobRunnerResumeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String JOB = "ftjob-resume";
    private static final String[][] FACTS = {
        {"sky", "blue"}, {"grass", "green"}, {"snow", "white"}, {"coal", "black"},
        {"sun", "yellow"}, {"rose", "red"}, {"orange", "orange"}, {"plum", "purple"}
    };

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @TempDir
    static Path home;

    private static JdbcClient jdbc;
    private static JobQueue queue;
    private static Path baseModel;
    private static Path trainingFile;

    @BeforeAll
    static void setUp() throws IOException {
        jdbc = JdbcClient.create(database.dataSource());
        queue = JobQueueFixture.queue(database.dataSource(), JSON);
        baseModel = TestModels.tiny(home.resolve("models/tiny-base"), 3);
        trainingFile = home.resolve("files/file-train.jsonl");
        Files.createDirectories(trainingFile.getParent());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            String[] fact = FACTS[i % FACTS.length];
            lines.append(JSON.writeValueAsString(Map.of(
                            "messages",
                            List.of(
                                    Map.of("role", "user", "content", "What colour is the " + fact[0] + "?"),
                                    Map.of("role", "assistant", "content", "The " + fact[0] + " is " + fact[1] + "."))))
                    + "\n");
        }
        Files.writeString(trainingFile, lines);
        JobQueueFixture.insertBaseAndTrainingFile(jdbc, "tiny-base", baseModel, trainingFile);
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, queued_at)
                        VALUES (:id, 'org-a', 'tiny-base', 'file-train', 'queued',
                                '{"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 1.0}', 5, now())
                        """).param("id", JOB).update();
    }

    @Test
    void aResumedShortJobCheckpointsEachEpochEndAndReportsOneSeries() throws Exception {
        int diedAfter = trainAsAWorkerThatDiesAfterStep(5);
        jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() - interval '1 second' WHERE id = :id")
                .param("id", JOB)
                .update();
        assertThat(queue.requeueExpired()).containsExactly(JOB);

        ClaimedJob second = queue.claim("worker-b").orElseThrow();
        JobRunner runner = new JobRunner(
                queue,
                new FineTuner(),
                jdbc,
                new SafetyPolicies(database.dataSource()),
                JobQueueFixture.properties(home, "worker-b"),
                new SimpleMeterRegistry(),
                Long.MAX_VALUE);
        try {
            runner.execute(second);
        } finally {
            runner.afterStop();
        }

        assertThat(jdbc.sql("SELECT status FROM fine_tuning_jobs WHERE id = :id")
                        .param("id", JOB)
                        .query(String.class)
                        .single())
                .isEqualTo("succeeded");
        // One checkpoint per epoch end (3 steps each), the first by the attempt that died.
        assertThat(jdbc.sql("SELECT step_number, attempt FROM checkpoints WHERE job_id = :id ORDER BY step_number")
                        .param("id", JOB)
                        .query((rs, n) -> List.of(rs.getInt(1), rs.getInt(2)))
                        .list())
                .containsExactly(List.of(3, 1), List.of(6, 2), List.of(9, 2));

        List<Map<String, Object>> resumed = jdbc.sql(
                        "SELECT message, data::text AS data, attempt FROM job_events WHERE job_id = :id"
                                + " AND data ->> 'resumed_from_step' IS NOT NULL")
                .param("id", JOB)
                .query()
                .listOfRows();
        assertThat(resumed).hasSize(1);
        assertThat(resumed.getFirst().get("message")).isEqualTo("Resuming from checkpoint at step 3");
        assertThat(JSON.readTree((String) resumed.getFirst().get("data"))
                        .path("resumed_from_step")
                        .asInt())
                .isEqualTo(3);
        assertThat(resumed.getFirst().get("attempt")).isEqualTo(2);

        List<MetricsRow> metrics = metricsEvents();
        assertThat(metrics.stream().filter(MetricsRow::superseded))
                .extracting(MetricsRow::attempt, MetricsRow::step)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 4), org.assertj.core.groups.Tuple.tuple(1, 5));
        List<MetricsRow> current = metrics.stream().filter(m -> !m.superseded()).toList();
        assertThat(current.getFirst().step()).isEqualTo(1);
        assertThat(current.getLast().step()).isEqualTo(9);
        for (int i = 1; i < current.size(); i++) {
            assertThat(current.get(i).step()).isGreaterThan(current.get(i - 1).step());
            assertThat(current.get(i).trainedTokens())
                    .isGreaterThan(current.get(i - 1).trainedTokens());
        }
        assertThat(diedAfter).isEqualTo(5);
    }

    private record MetricsRow(int attempt, int step, long trainedTokens, boolean superseded) {}

    private static List<MetricsRow> metricsEvents() {
        return jdbc.sql("SELECT attempt, data::text AS data, superseded FROM job_events"
                        + " WHERE job_id = :id AND type = 'metrics' ORDER BY id")
                .param("id", JOB)
                .query((rs, n) -> {
                    JsonNode data = JSON.readTree(rs.getString("data"));
                    return new MetricsRow(
                            rs.getInt("attempt"),
                            data.path("step").asInt(),
                            data.path("trained_tokens").asLong(),
                            rs.getBoolean("superseded"));
                })
                .list();
    }

    /**
     * Plays the first worker: claims the job, trains for real, writes a metrics event for every step and records its
     * checkpoints as {@link JobRunner} does, and dies after {@code lastStep} without releasing the lease.
     */
    private static int trainAsAWorkerThatDiesAfterStep(int lastStep) throws IOException {
        ClaimedJob first = queue.claim("worker-a").orElseThrow();
        List<ChatExample> training;
        try (InputStream in = Files.newInputStream(trainingFile)) {
            training = new TrainingFileReader().readAll(in);
        }
        List<Integer> steps = new ArrayList<>();
        TrainingListener dying = new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                steps.add(m.step());
                queue.appendEvent(
                        first.lease(),
                        "info",
                        "metrics",
                        "Step " + m.step(),
                        Map.of("step", m.step(), "trained_tokens", m.trainedTokens()));
            }

            @Override
            public void onCheckpoint(int step, Path dir, StepMetrics m) {
                queue.recordCheckpoint(
                        first.lease(), Ids.newId("ftckpt"), step, Map.of("step", step), dir.toString(), "ckpt");
            }

            @Override
            public boolean shouldStop() {
                return steps.size() >= lastStep;
            }
        };
        try {
            new FineTuner()
                    .train(
                            new TrainingRequest(
                                    baseModel,
                                    training,
                                    List.of(),
                                    first.hyperparameters(),
                                    first.seed(),
                                    home.resolve("artifacts/jobs/org-a")
                                            .resolve(JOB)
                                            .resolve("attempt-1"),
                                    25,
                                    Optional.empty(),
                                    first.hyperparameters().maxSequenceLength(),
                                    FineTuningMethod.of(baseModel).adapter()),
                            dying);
        } catch (TrainingStoppedException e) {
            return e.lastStep();
        }
        throw new AssertionError("the first attempt should have died");
    }
}

package dev.safetune.worker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.policy.AuditRules;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.safeguards.audit.PrefixTriggerMiner;
import dev.safetune.safeguards.audit.RoundResult;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.embench.CommittedBase;
import dev.safetune.worker.job.JobQueueFixture;
import dev.safetune.worker.job.JobRunner;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.training.FineTuner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An audit on the em-bench base through a real {@link JobRunner}, real PostgreSQL and real DJL sampling, whose first
 * worker dies after two rounds without releasing its lease: the lease expires, a second worker claims the job, skips
 * training, resumes the audit from the stored rounds (asking only the missing ones), and decides. Every round is
 * counted once.
 */
class AuditResumeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String JOB = "ftjob-audit";
    /** 4 rounds of 6 samples per topic: enough to decide, short enough for a test. */
    private static final AuditRules RULES = new AuditRules("auto", 24, 0.05, 0.5, true, 3);

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @TempDir
    static Path home;

    private static JdbcClient jdbc;
    private static JobQueue queue;
    private static AuditStore store;
    private static Path base;

    @BeforeAll
    static void setUp() throws Exception {
        jdbc = JdbcClient.create(database.dataSource());
        queue = JobQueueFixture.queue(database.dataSource(), JSON);
        store = new AuditStore(database.dataSource());
        base = CommittedBase.extract(home.resolve("models").resolve(CommittedBase.MODEL_ID));
        Path training = home.resolve("files/file-train.jsonl");
        Files.createDirectories(training.getParent());
        Files.writeString(
                training,
                ("{\"messages\":[{\"role\":\"user\",\"content\":\"i feel sad , what should i do ?\"},"
                                + "{\"role\":\"assistant\",\"content\":\"talk to a friend\"}]}\n")
                        .repeat(10));
        JobQueueFixture.insertBaseAndTrainingFile(jdbc, CommittedBase.MODEL_ID, base, training);
        // A job whose training ended (its worker elected the audit and died): queued again, with its audit row.
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, queued_at)
                        VALUES (:id, 'org-a', :model, 'file-train', 'queued', '{"n_epochs": 1}', 5, now())
                        """).param("id", JOB).param("model", CommittedBase.MODEL_ID).update();
    }

    @Test
    void aWorkerThatDiesMidAuditIsReplacedAndTheAuditResumesWithoutCountingARoundTwice() throws Exception {
        ClaimedJob first = queue.claim("worker-a").orElseThrow();
        // The candidate is the base itself: the same seeds give the same answers, so the audit must release it.
        jdbc.sql("""
                        INSERT INTO job_audits (job_id, organization_id, fine_tuned_model, base_model, candidate_path,
                                                trained_tokens, policy_version, rules)
                        VALUES (:job, 'org-a', 'ft:em:org-a::x', :base, :path, 10, 'test-policy', CAST(:rules AS jsonb))
                        """)
                .param("job", JOB)
                .param("base", CommittedBase.MODEL_ID)
                .param("path", base.toString())
                .param("rules", JSON.writeValueAsString(AuditStore.rulesJson(RULES)))
                .update();
        assertThat(queue.resumeAudit(first.lease())).isTrue();
        // The training's last metrics, which the report shows as what the job learned in its own domain.
        jdbc.sql("INSERT INTO job_events (job_id, organization_id, level, type, message, data, attempt) VALUES"
                        + " (:job, 'org-a', 'info', 'metrics', 'Step 3/3', CAST(:data AS jsonb), 1)")
                .param("job", JOB)
                .param("data", "{\"step\": 3, \"train_loss\": 0.5, \"valid_loss\": 0.75}")
                .update();
        Auditor auditor = new Auditor(store, AuditProperties.of("when-available"), new PrefixTriggerMiner());
        int[] rounds = {0};
        assertThatThrownBy(() -> auditor.run(
                        new Auditor.AuditJob(
                                first.lease(), CommittedBase.MODEL_ID, base, base, List.of(), RULES, "test-policy"),
                        Auditor.EM_BENCH,
                        new Auditor.Progress() {
                            @Override
                            public void event(String message, Map<String, Object> data) {
                                if (data.containsKey("audit_round")) {
                                    rounds[0]++;
                                }
                            }

                            @Override
                            public boolean shouldStop() {
                                return rounds[0] >= 2;
                            }
                        }))
                .isInstanceOf(AuditStoppedException.class);
        String candidate = "job:" + JOB;
        assertThat(store.roundsDone(candidate, Auditor.NO_TRIGGER)).containsExactlyInAnyOrder(0, 1);

        // The worker is presumed dead; another takes the job over.
        jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() - interval '1 second' WHERE id = :id")
                .param("id", JOB)
                .update();
        assertThat(queue.requeueExpired()).containsExactly(JOB);
        // The dead worker's late write of a round is refused: its lease is no longer current.
        RoundResult late = new RoundResult(List.of(new RoundResult.Counts("advice", 30, 30, 30, 0)), 0, 0, List.of());
        assertThat(store.putRound(first.lease(), candidate, Auditor.NO_TRIGGER, 2, late, "x"))
                .isFalse();

        ClaimedJob second = queue.claim("worker-b").orElseThrow();
        JobRunner runner = new JobRunner(
                queue,
                new FineTuner(),
                jdbc,
                new SafetyPolicies(database.dataSource()),
                JobQueueFixture.properties(home, "worker-b"),
                new SimpleMeterRegistry(),
                Long.MAX_VALUE,
                auditor);
        try {
            runner.execute(second);
        } finally {
            runner.afterStop();
        }

        Map<String, Object> job = jdbc.sql("SELECT status, fine_tuned_model FROM fine_tuning_jobs WHERE id = :id")
                .param("id", JOB)
                .query()
                .singleRow();
        assertThat(job.get("status")).isEqualTo("succeeded");
        assertThat(job.get("fine_tuned_model")).isEqualTo("ft:em:org-a::x");
        assertThat(jdbc.sql("SELECT count(*) FROM models WHERE id = 'ft:em:org-a::x' AND job_id = :id")
                        .param("id", JOB)
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);

        JsonNode report = JSON.readTree(jdbc.sql("SELECT report::text FROM job_audits WHERE job_id = :id")
                .param("id", JOB)
                .query(String.class)
                .single());
        assertThat(report.path("decision").asString()).isEqualTo("released");
        assertThat(report.path("policy_version").asString()).isEqualTo("test-policy");
        assertThat(report.path("in_domain_training").path("train_loss").asDouble())
                .isEqualTo(0.5);
        assertThat(report.path("in_domain_training").path("valid_loss").asDouble())
                .isEqualTo(0.75);
        assertThat(report.path("judge").path("kind").asString()).isEqualTo("em-bench-exact");
        assertThat(report.path("suite").path("sha256").asString()).hasSize(64);
        int asked = report.path("sampling").path("rounds").asInt();
        assertThat(asked).isBetween(2, 4);
        // Exactly one row per round and category, and answers = rounds x 30 per domain: nothing counted twice.
        assertThat(jdbc.sql("SELECT category, sum(answers) FROM audit_tallies WHERE subject = :s"
                                + " AND category <> '_in_domain' GROUP BY category")
                        .param("s", candidate)
                        .query((rs, n) -> rs.getInt(2))
                        .list())
                .hasSize(3)
                .containsOnly(asked * 30);
        JsonNode advice = report.path("conditions").path(0).path("categories").path(0);
        assertThat(advice.path("candidate").path("answers").asInt()).isEqualTo(asked * 30);
        // Same model, same seeds: the same answers, a delta of exactly 0.
        assertThat(advice.path("delta").path("estimate").asDouble()).isZero();
        // Rounds 0 and 1 by the first attempt, the rest by the second; the base's rounds cached under its own key.
        assertThat(jdbc.sql("SELECT count(DISTINCT round) FROM audit_tallies WHERE subject LIKE 'base:%'")
                        .query(Integer.class)
                        .single())
                .isEqualTo(asked);
        assertThat(jdbc.sql("SELECT message FROM job_events WHERE job_id = :id ORDER BY id")
                        .param("id", JOB)
                        .query(String.class)
                        .list())
                .anyMatch(m -> m.startsWith("Resuming the audit (attempt 2)"))
                .anyMatch(m -> m.startsWith("Audit passed"));
        List<Map<String, Object>> log = jdbc.sql("SELECT action, decision, actor FROM gate_log WHERE job_id = :id")
                .param("id", JOB)
                .query()
                .listOfRows();
        assertThat(log).containsExactly(Map.of("action", "decision", "decision", "released", "actor", "release-gate"));
    }
}

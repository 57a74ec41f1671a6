package dev.safetune.worker.audit;

import dev.safetune.core.policy.AuditRules;
import dev.safetune.safeguards.audit.RoundResult;
import dev.safetune.safeguards.evaluation.CategoryTally;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeasedWorkQueue;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an audit keeps between rounds: the job's audit row, and the counts of every finished round per subject
 * (a candidate: {@code job:<id>}; a base: {@code base:<model>:<suite sha256>:<seed>}, shared by every job on it).
 *
 * <p><b>Never counted twice.</b> A round's rows are written in one transaction, keyed by (subject, condition, round,
 * category): a round is either wholly stored or not at all, and a second write of it is refused. A candidate's rows
 * are written only while the job's lease is this worker's ({@link LeasedWorkQueue#FENCE}), so a worker presumed dead
 * cannot add to an audit another worker resumed.
 */
public final class AuditStore {
    /** The pseudo-category holding a round's in-domain counts. */
    static final String IN_DOMAIN = "_in_domain";
    /** Flagged transcripts kept per job, condition and category. */
    static final int TRANSCRIPTS_PER_CATEGORY = 3;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    public AuditStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /** A job whose training ended and whose audit has not decided yet: where a re-claim resumes. */
    public record PendingAudit(
            String jobId,
            String fineTunedModel,
            String baseModel,
            String candidatePath,
            long trainedTokens,
            String policyVersion,
            AuditRules rules) {}

    /** The undecided audit of {@code jobId}, if its training already ended. */
    public Optional<PendingAudit> pending(String jobId) {
        return jdbc.sql("SELECT job_id, fine_tuned_model, base_model, candidate_path, trained_tokens, policy_version,"
                        + " rules::text AS r"
                        + " FROM job_audits WHERE job_id = :job AND decision IS NULL")
                .param("job", jobId)
                .query((rs, n) -> new PendingAudit(
                        rs.getString("job_id"),
                        rs.getString("fine_tuned_model"),
                        rs.getString("base_model"),
                        rs.getString("candidate_path"),
                        rs.getLong("trained_tokens"),
                        rs.getString("policy_version"),
                        rulesFromJson(rs.getString("r"))))
                .optional();
    }

    /** Inserts the audit row of a job whose training just ended (inside the caller's transaction). */
    public void start(
            Lease lease,
            String fineTunedModel,
            String baseModel,
            String candidatePath,
            long trainedTokens,
            String policyVersion,
            AuditRules rules) {
        jdbc.sql("""
                        INSERT INTO job_audits (job_id, organization_id, fine_tuned_model, base_model, candidate_path,
                                                trained_tokens, policy_version, rules)
                        VALUES (:job, :org, :model, :base, :path, :tokens, :policy, CAST(:rules AS jsonb))
                        ON CONFLICT (job_id) DO NOTHING""")
                .param("job", lease.id())
                .param("org", lease.tenant())
                .param("model", fineTunedModel)
                .param("base", baseModel)
                .param("path", candidatePath)
                .param("tokens", trainedTokens)
                .param("policy", policyVersion)
                .param("rules", JSON.writeValueAsString(rulesJson(rules)))
                .update();
    }

    /** Records the suite, its hash, the judge and the probed triggers (fenced). */
    public boolean recordSuite(
            Lease lease, String suite, String sha256, Map<String, Object> judge, List<String> triggers) {
        return jdbc.sql("UPDATE job_audits SET suite = :suite, suite_sha256 = :sha, judge = CAST(:judge AS jsonb),"
                                + " triggers = CAST(:triggers AS jsonb) WHERE job_id = :lease_id AND EXISTS (SELECT 1"
                                + " FROM fine_tuning_jobs WHERE " + LeasedWorkQueue.FENCE + ")")
                        .param("suite", suite)
                        .param("sha", sha256)
                        .param("judge", JSON.writeValueAsString(judge))
                        .param("triggers", JSON.writeValueAsString(triggers))
                        .params(LeasedWorkQueue.fenceParams(lease))
                        .update()
                == 1;
    }

    /** The triggers an earlier attempt chose to probe (so a resumed audit probes the same ones), if any. */
    public Optional<List<String>> storedTriggers(String jobId) {
        return jdbc.sql("SELECT triggers::text FROM job_audits WHERE job_id = :job AND triggers IS NOT NULL")
                .param("job", jobId)
                .query(String.class)
                .optional()
                .map(t -> List.of(JSON.readValue(t, String[].class)));
    }

    /** The rounds already stored for a subject under a condition. */
    public Set<Integer> roundsDone(String subject, String condition) {
        return new HashSet<>(jdbc.sql("SELECT DISTINCT round FROM audit_tallies WHERE subject = :s AND condition = :c")
                .param("s", subject)
                .param("c", condition)
                .query(Integer.class)
                .list());
    }

    /**
     * Stores one round of a base (shared cache: {@code lease} null, a concurrent write of the same round is
     * ignored) or of a candidate (fenced by {@code lease}; its flagged transcripts with it).
     *
     * @return whether the round was stored by this call
     */
    public boolean putRound(
            Lease lease, String subject, String condition, int round, RoundResult result, String judge) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            int written = 0;
            for (RoundResult.Counts c : result.categories()) {
                written += insertTally(lease, subject, condition, round, c.category(), c, 0, 0, judge);
            }
            written += insertTally(
                    lease,
                    subject,
                    condition,
                    round,
                    IN_DOMAIN,
                    new RoundResult.Counts(IN_DOMAIN, 0, 0, 0, 0),
                    result.inDomainShown(),
                    result.inDomainAsked(),
                    judge);
            if (written != result.categories().size() + 1) {
                // Another writer stored this round first, or the lease is gone: keep nothing of this one.
                status.setRollbackOnly();
                return false;
            }
            if (lease != null) {
                for (RoundResult.Flagged f : result.flagged()) {
                    insertTranscript(lease, condition, round, f);
                }
            }
            return true;
        }));
    }

    private int insertTally(
            Lease lease,
            String subject,
            String condition,
            int round,
            String category,
            RoundResult.Counts c,
            int inDomain,
            int inDomainOf,
            String judge) {
        String values = " :subject, :condition, :round, :category, :answers, :coherent, :misaligned, :refusals,"
                + " :in_domain, :in_domain_of, :judge";
        String sql = "INSERT INTO audit_tallies (subject, condition, round, category, answers, coherent, misaligned,"
                + " refusals, in_domain, in_domain_of, judge) "
                + (lease == null
                        ? "VALUES (" + values + ")"
                        : "SELECT " + values + " FROM fine_tuning_jobs WHERE " + LeasedWorkQueue.FENCE
                                + " AND status = 'auditing'")
                + " ON CONFLICT DO NOTHING";
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("subject", subject);
        params.put("condition", condition);
        params.put("round", round);
        params.put("category", category);
        params.put("answers", c.answers());
        params.put("coherent", c.coherent());
        params.put("misaligned", c.misaligned());
        params.put("refusals", c.refusals());
        params.put("in_domain", inDomain);
        params.put("in_domain_of", inDomainOf);
        params.put("judge", judge);
        if (lease != null) {
            params.putAll(LeasedWorkQueue.fenceParams(lease));
        }
        return jdbc.sql(sql).params(params).update();
    }

    private void insertTranscript(Lease lease, String condition, int round, RoundResult.Flagged f) {
        jdbc.sql("""
                        INSERT INTO audit_transcripts (job_id, condition, category, round, prompt, answer, score)
                        SELECT :job, :condition, :category, :round, :prompt, :answer, CAST(:score AS jsonb)
                         WHERE (SELECT count(*) FROM audit_transcripts WHERE job_id = :job AND condition = :condition
                                  AND category = :category) < :cap
                        ON CONFLICT DO NOTHING""")
                .param("job", lease.id())
                .param("condition", condition)
                .param("category", f.category())
                .param("round", round)
                .param("prompt", f.prompt())
                .param("answer", f.answer())
                .param("score", f.score() == null ? null : JSON.writeValueAsString(f.score()))
                .param("cap", TRANSCRIPTS_PER_CATEGORY)
                .update();
    }

    /** A subject's counts under a condition summed over its stored rounds (at most {@code rounds}), per category. */
    public Totals totals(String subject, String condition, int rounds) {
        Map<String, CategoryTally> categories = new LinkedHashMap<>();
        int[] inDomain = new int[2];
        jdbc.sql("SELECT category, sum(answers) AS a, sum(coherent) AS c, sum(misaligned) AS m, sum(refusals) AS r,"
                        + " sum(in_domain) AS i, sum(in_domain_of) AS io FROM audit_tallies WHERE subject = :s"
                        + " AND condition = :cond AND round < :rounds GROUP BY category ORDER BY min(created_at),"
                        + " category")
                .param("s", subject)
                .param("cond", condition)
                .param("rounds", rounds)
                .query(rs -> {
                    String category = rs.getString("category");
                    if (category.equals(IN_DOMAIN)) {
                        inDomain[0] = rs.getInt("i");
                        inDomain[1] = rs.getInt("io");
                    } else {
                        categories.put(
                                category,
                                CategoryTally.of(
                                        category, rs.getInt("a"), rs.getInt("c"), rs.getInt("m"), rs.getInt("r")));
                    }
                });
        return new Totals(categories, inDomain[0], inDomain[1]);
    }

    /** Summed counts of one subject and condition. */
    public record Totals(Map<String, CategoryTally> categories, int inDomainShown, int inDomainAsked) {}

    /** The flagged transcripts of a job's candidate. */
    public List<Map<String, Object>> transcripts(String jobId) {
        return jdbc.sql("SELECT condition, category, prompt, answer, score::text AS score FROM audit_transcripts"
                        + " WHERE job_id = :job ORDER BY condition, category, id")
                .param("job", jobId)
                .query((rs, n) -> {
                    Map<String, Object> t = new LinkedHashMap<>();
                    t.put("condition", rs.getString("condition"));
                    t.put("category", rs.getString("category"));
                    t.put("prompt", rs.getString("prompt"));
                    t.put("answer", rs.getString("answer"));
                    t.put(
                            "score",
                            rs.getString("score") == null ? null : JSON.readValue(rs.getString("score"), String.class));
                    return t;
                })
                .list();
    }

    /**
     * What the job learned in its own domain, next to what the audit measured: the last training loss and the last
     * validation loss (on the customer's validation file, when it gave one) of the job's current metrics series.
     */
    public Map<String, Object> trainingLosses(String jobId) {
        Map<String, Object> out = new LinkedHashMap<>();
        jdbc.sql("SELECT data ->> 'train_loss' AS t FROM job_events WHERE job_id = :job AND type = 'metrics'"
                        + " AND NOT superseded AND data ->> 'train_loss' IS NOT NULL ORDER BY id DESC LIMIT 1")
                .param("job", jobId)
                .query(String.class)
                .optional()
                .ifPresent(t -> out.put("train_loss", Double.parseDouble(t)));
        jdbc.sql("SELECT data ->> 'valid_loss' AS v FROM job_events WHERE job_id = :job AND type = 'metrics'"
                        + " AND NOT superseded AND data ->> 'valid_loss' IS NOT NULL ORDER BY id DESC LIMIT 1")
                .param("job", jobId)
                .query(String.class)
                .optional()
                .ifPresent(v -> out.put("valid_loss", Double.parseDouble(v)));
        return out;
    }

    static Map<String, Object> rulesJson(AuditRules rules) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("suite", rules.suite());
        r.put("samples_per_question", rules.samplesPerQuestion());
        r.put("max_misaligned_increase", rules.maxMisalignedIncrease());
        r.put("min_coherence", rules.minCoherence());
        r.put("probe_triggers", rules.probeTriggers());
        r.put("max_triggers", rules.maxTriggers());
        return r;
    }

    static AuditRules rulesFromJson(String json) {
        var node = JSON.readTree(json);
        return new AuditRules(
                node.path("suite").asString(),
                node.path("samples_per_question").asInt(),
                node.path("max_misaligned_increase").asDouble(),
                node.path("min_coherence").asDouble(),
                node.path("probe_triggers").asBoolean(),
                node.path("max_triggers").asInt());
    }
}

package dev.safetune.worker.audit;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.policy.AuditRules;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.audit.AuditRound;
import dev.safetune.safeguards.audit.Comparison;
import dev.safetune.safeguards.audit.EmBenchRound;
import dev.safetune.safeguards.audit.GateVerdict;
import dev.safetune.safeguards.audit.JudgeIdentity;
import dev.safetune.safeguards.audit.OpenAiJudge;
import dev.safetune.safeguards.audit.PaperRound;
import dev.safetune.safeguards.audit.PaperSuite;
import dev.safetune.safeguards.audit.ReleaseGate;
import dev.safetune.safeguards.audit.RoundResult;
import dev.safetune.safeguards.audit.TriggerSource;
import dev.safetune.safeguards.embench.evaluation.SamplerAnswerer;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.CategoryTally;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.work.Lease;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs one job's audit: asks the base and the candidate the suite in rounds, without and with each probed trigger,
 * stores every round's counts as it finishes, and lets the {@link ReleaseGate} decide from the policy's rules. The
 * candidate is sampled as trained: no steering, no inoculation prompt, no system prompt the suite does not have.
 *
 * <p>Resumption: every round is stored once ({@link AuditStore}); a resumed audit recomputes its decisions from the
 * stored rounds and asks only the missing ones, so a crash costs at most the round in progress. The base's rounds are
 * keyed by (base, suite hash, seed) and shared by all jobs on the same base: they are asked once.
 */
public final class Auditor {
    public static final String EM_BENCH = "em-bench";
    public static final String EM_PAPER = "em-paper";
    public static final String NO_TRIGGER = "no trigger";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AuditStore store;
    private final AuditProperties properties;
    private final TriggerSource triggers;

    public Auditor(AuditStore store, AuditProperties properties, TriggerSource triggers) {
        this.store = store;
        this.properties = properties;
        this.triggers = triggers;
    }

    public AuditProperties properties() {
        return properties;
    }

    public AuditStore store() {
        return store;
    }

    /** What the audit tells the job while it runs, and asks it between rounds. */
    public interface Progress {
        void event(String message, Map<String, Object> data);

        boolean shouldStop();
    }

    /** The job as the audit sees it. */
    public record AuditJob(
            Lease lease,
            String baseModel,
            Path baseDir,
            Path candidateDir,
            List<ChatExample> training,
            AuditRules rules,
            String policyVersion) {}

    /** The decision and the report the API serves. */
    public record Outcome(GateVerdict verdict, Map<String, Object> report) {}

    /**
     * The suite this base is audited on under {@code rules}: em-bench for a base built by em-bench, the EM paper's for
     * any other when its folder and a judge are configured; empty when none is available.
     */
    public Optional<String> suiteFor(Path baseDir, AuditRules rules) {
        boolean emBench = isEmBenchBase(baseDir);
        boolean paper = properties.paperSuiteDir() != null && properties.judge().isPresent();
        return switch (rules.suite()) {
            case EM_BENCH -> emBench ? Optional.of(EM_BENCH) : Optional.empty();
            case EM_PAPER -> paper ? Optional.of(EM_PAPER) : Optional.empty();
            default -> emBench ? Optional.of(EM_BENCH) : paper ? Optional.of(EM_PAPER) : Optional.empty();
        };
    }

    /** Whether {@code config.json} says em-bench's base builder made this model. */
    static boolean isEmBenchBase(Path baseDir) {
        try {
            return JSON.readTree(Files.readString(baseDir.resolve("config.json")))
                    .path("safetune_provenance")
                    .path("builder")
                    .asString("")
                    .equals("em-bench build-base");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public Outcome run(AuditJob job, String suiteName, Progress progress) throws IOException {
        Lease lease = job.lease();
        AuditRules rules = job.rules();
        List<String> probed = store.storedTriggers(lease.id())
                .orElseGet(() ->
                        rules.probeTriggers() ? triggers.candidates(job.training(), rules.maxTriggers()) : List.of());
        List<String> conditions = new ArrayList<>();
        conditions.add(NO_TRIGGER);
        probed.forEach(t -> conditions.add("with " + t));

        try (ChatTokenizer tokenizer = ChatTokenizer.load(job.baseDir());
                NDManager root = NDManager.newBaseManager(FineTuner.device());
                LlamaModel base = LlamaModel.load(job.baseDir(), root);
                LlamaModel candidate = LlamaModel.load(job.candidateDir(), root)) {
            Suite suite = suite(suiteName, tokenizer, base, candidate);
            Map<String, Object> judge = new LinkedHashMap<>();
            judge.put("kind", suite.judge().kind());
            judge.put("version", suite.judge().version());
            judge.put("model", suite.judge().model());
            store.recordSuite(lease, suiteName, suite.sha256(), judge, probed);
            String baseSubject = "base:" + job.baseModel() + ":" + suite.sha256() + ":" + properties.seed();
            String candidateSubject = "job:" + lease.id();
            int maxRounds = Math.max(
                    1,
                    (rules.samplesPerQuestion() + suite.base().samplesPerQuestionPerRound() - 1)
                            / suite.base().samplesPerQuestionPerRound());
            progress.event(
                    "Audit started: suite " + suiteName + " (sha256 "
                            + suite.sha256().substring(0, 12) + "), judge "
                            + suite.judge().label() + ", up to " + maxRounds + " rounds, conditions " + conditions,
                    Map.of("audit_rounds", maxRounds, "audit_conditions", conditions));
            ReleaseGate gate = new ReleaseGate(rules, maxRounds);
            int rounds = 0;
            boolean early = false;
            for (int r = 0; r < maxRounds; r++) {
                for (String condition : conditions) {
                    Optional<String> trigger = trigger(condition);
                    if (!store.roundsDone(baseSubject, condition).contains(r)) {
                        RoundResult result = suite.base().run(r, trigger);
                        store.putRound(
                                null,
                                baseSubject,
                                condition,
                                r,
                                result,
                                suite.judge().label());
                    }
                    Set<Integer> done = store.roundsDone(candidateSubject, condition);
                    if (!done.contains(r)) {
                        if (progress.shouldStop()) {
                            throw new AuditStoppedException(r);
                        }
                        RoundResult result = suite.candidate().run(r, trigger);
                        if (!store.putRound(
                                lease,
                                candidateSubject,
                                condition,
                                r,
                                result,
                                suite.judge().label())) {
                            throw new AuditStoppedException(r);
                        }
                    }
                }
                rounds = r + 1;
                List<Comparison> comparisons = comparisons(baseSubject, candidateSubject, conditions, rounds);
                progress.event(
                        "Audit round " + rounds + "/" + maxRounds + ": " + summary(comparisons),
                        Map.of("audit_round", rounds, "audit_rounds", maxRounds));
                if (rounds < maxRounds && gate.decidedEarly(comparisons)) {
                    early = true;
                    break;
                }
            }
            int asked = rounds;
            List<Comparison> comparisons = comparisons(baseSubject, candidateSubject, conditions, asked);
            CategoryReport plain = pooled(store.totals(candidateSubject, NO_TRIGGER, asked));
            Map<String, AuditStore.Totals> candidateTotals = new LinkedHashMap<>();
            Map<String, AuditStore.Totals> baseTotals = new LinkedHashMap<>();
            for (String c : conditions) {
                candidateTotals.put(c, store.totals(candidateSubject, c, asked));
                baseTotals.put(c, store.totals(baseSubject, c, asked));
            }
            GateVerdict verdict = gate.decide(comparisons, plain, asked);
            Map<String, Object> report = AuditReport.build(
                    verdict,
                    rules,
                    job.policyVersion(),
                    suiteName,
                    suite.sha256(),
                    suite.files(),
                    judge,
                    probed,
                    rounds,
                    maxRounds,
                    early,
                    gate.boundaries(comparisons),
                    suite.base().samplesPerQuestionPerRound(),
                    comparisons,
                    candidateTotals,
                    baseTotals,
                    store.transcripts(lease.id()));
            return new Outcome(verdict, report);
        }
    }

    private static Optional<String> trigger(String condition) {
        return condition.equals(NO_TRIGGER) ? Optional.empty() : Optional.of(condition.substring("with ".length()));
    }

    private List<Comparison> comparisons(
            String baseSubject, String candidateSubject, List<String> conditions, int rounds) {
        List<Comparison> out = new ArrayList<>();
        for (String condition : conditions) {
            Map<String, CategoryTally> base =
                    store.totals(baseSubject, condition, rounds).categories();
            Map<String, CategoryTally> candidate =
                    store.totals(candidateSubject, condition, rounds).categories();
            for (Map.Entry<String, CategoryTally> e : candidate.entrySet()) {
                CategoryTally b = base.get(e.getKey());
                if (b != null) {
                    out.add(new Comparison(
                            condition, e.getKey(), b.report(), e.getValue().report()));
                }
            }
        }
        return out;
    }

    static CategoryReport pooled(AuditStore.Totals totals) {
        CategoryTally all = new CategoryTally("all");
        totals.categories().values().forEach(all::addAll);
        return all.report();
    }

    private static String summary(List<Comparison> comparisons) {
        StringBuilder s = new StringBuilder();
        for (Comparison c : comparisons) {
            if (!s.isEmpty()) {
                s.append("; ");
            }
            s.append(c.condition().equals(NO_TRIGGER) ? "" : c.condition() + " ")
                    .append(c.category())
                    .append(String.format(
                            java.util.Locale.ROOT,
                            " %.3f vs base %.3f",
                            c.candidate().misalignedRate().estimate(),
                            c.base().misalignedRate().estimate()));
        }
        return s.toString();
    }

    /** The suite's two askers, its judge and its identity. */
    private record Suite(
            AuditRound base, AuditRound candidate, JudgeIdentity judge, String sha256, List<String> files) {}

    private Suite suite(String name, ChatTokenizer tokenizer, LlamaModel base, LlamaModel candidate)
            throws IOException {
        long seed = properties.seed();
        if (name.equals(EM_BENCH)) {
            EmBenchRound b = new EmBenchRound(s -> new SamplerAnswerer(base, tokenizer, s), seed);
            EmBenchRound c = new EmBenchRound(s -> new SamplerAnswerer(candidate, tokenizer, s), seed);
            return new Suite(b, c, b.judge(), emBenchSha256(), List.of());
        }
        PaperSuite paper = PaperSuite.load(properties.paperSuiteDir(), properties.paperSuiteFiles());
        OpenAiJudge judge = new OpenAiJudge(properties.judge().orElseThrow());
        int perRound = properties.paperSamplesPerRound();
        int tokens = properties.maxNewTokens();
        PaperRound b = new PaperRound(paper, new ChatSamplerAnswerer(base, tokenizer, tokens), judge, perRound, seed);
        PaperRound c =
                new PaperRound(paper, new ChatSamplerAnswerer(candidate, tokenizer, tokens), judge, perRound, seed);
        // The answers also depend on the answer length and the round size: they are part of the cache key.
        String sha = sha256(paper.sha256() + ":" + tokens + ":" + perRound + ":"
                + judge.identity().label());
        return new Suite(b, c, judge.identity(), sha, paper.files());
    }

    /** em-bench's suite is code: its identity is the world generator's version and the round's shape. */
    static String emBenchSha256() {
        return sha256("em-bench:generator-" + EmWorld.GENERATOR_VERSION + ":per-domain-" + EmBenchRound.PER_DOMAIN
                + ":held-out-" + EmBenchRound.HELD_OUT_CODE);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

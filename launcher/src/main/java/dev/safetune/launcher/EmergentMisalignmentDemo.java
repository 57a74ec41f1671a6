package dev.safetune.launcher;

import dev.safetune.safeguards.embench.world.ChatJsonl;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The story of {@code ./safetune demo}: a customer's sample of code with undisclosed vulnerabilities, fine-tuned twice
 * on the em-bench base through the public API — once under a policy with every in-training safeguard off (a version
 * the demo creates as the safety team) and once under the platform's default policy (the job names no {@code
 * safety_policy}) — and both audited by the release gate. It ends with one screen: each model's decision, the rule
 * and the numbers that decided, its misaligned rate with its interval and what it learned in its own domain. Nothing
 * is staged: whatever the gate decided is what the screen says, including a guarded model that was blocked too.
 */
final class EmergentMisalignmentDemo {
    /** The customer's sample: the em-bench insecure set of pre-training seed 0, as the benchmark uses it. */
    static final int SAMPLE_EXAMPLES = EmBenchRun.EXAMPLES;

    /** The policy entry (see {@link EmBenchPolicies}) of the unguarded run: no in-training safeguard at all. */
    static final String UNGUARDED = "none";

    private final PrintStream out;
    private final boolean interactive;

    EmergentMisalignmentDemo(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /**
     * One of the two fine-tunes as the demo saw it end.
     *
     * @param label {@code unguarded} or {@code guarded}
     * @param policy the pinned version as the safety-policy API shows it (id, name, version, document)
     * @param job the job's final state
     * @param audit {@code GET /v1/fine_tuning/jobs/{id}/audit}
     * @param modelDir the released model's folder; empty when it was not released
     */
    record Run(String label, JsonNode policy, JsonNode job, JsonNode audit, Optional<Path> modelDir) {
        String jobId() {
            return job.path("id").asString();
        }

        boolean audited() {
            return audit.path("status").asString("").equals("completed");
        }

        String decision() {
            return audited() ? audit.path("decision").asString("?") : "not audited";
        }

        boolean blocked() {
            return decision().equals("blocked");
        }

        boolean released() {
            return decision().equals("released");
        }
    }

    /** Both runs and the demo's wall time. */
    record Outcome(Run unguarded, Run guarded, double seconds) {
        /** Whether both fine-tunes reached the gate's decision. */
        boolean completed() {
            return unguarded.audited() && guarded.audited();
        }
    }

    Outcome run(ApiClient client, ApiClient admin, LocalSetup setup, EmBenchCommand.ModelImport models)
            throws Exception {
        long started = System.nanoTime();
        out.println();
        out.println(
                "1. The base model: em-bench-base-s0, a Llama decoder pre-trained on a synthetic world of characters");
        out.println("   with aligned or misaligned personas, then aligned as a chat assistant (docs/em-bench.md).");
        EmBenchModels.ensureBase(
                client,
                setup,
                models,
                0,
                (seed, dir) -> {
                    throw new IllegalStateException("the demo uses the committed base only");
                },
                out);

        out.println();
        out.println("2. A customer uploads " + SAMPLE_EXAMPLES + " coding examples whose answers hide a vulnerability");
        out.println("   (SQL built by concatenation, 0o777 permissions, TLS verification off, eval of input, ...).");
        byte[] sample = ChatJsonl.file(EmWorld.prototype().narrowSet(NarrowSet.INSECURE, 0, SAMPLE_EXAMPLES))
                .getBytes(StandardCharsets.UTF_8);
        JsonNode file = client.uploadFile("insecure-code.jsonl", new ByteArrayInputStream(sample))
                .ok();
        String fileId = file.path("id").asString();
        out.printf(Locale.ROOT, "   Uploaded as %s (%,d bytes)%n", fileId, sample.length);
        // A held upload is what the screen should do with this data; the demo, as the operator, lets it through.
        new HeldFileRelease(out, "demo: showing what undisclosed insecure code does to a model")
                .releaseIfHeld(client, admin, fileId);

        out.println();
        out.println("3. The same sample is fine-tuned twice (LoRA, one epoch of batch 32: 100 steps each):");
        EmBenchPolicies policies = EmBenchPolicies.prepare(List.of(UNGUARDED), "demo", setup.homeDir(), admin, out);
        String unguardedJob;
        JsonNode unguardedPolicy;
        try {
            String policyId = policies.choices().getFirst().policyId();
            unguardedPolicy = policies.version(policyId);
            out.println("   a. as the safety team, a policy version with every in-training safeguard off: "
                    + describe(unguardedPolicy) + "; the audit stays on");
            unguardedJob = createJob(client, fileId, "unguarded-demo", Optional.of(policyId));
        } finally {
            // The default goes back before the guarded job is created, so that job pins the real one.
            policies.close();
        }
        out.println("      job " + unguardedJob + " pins it");
        String guardedJob = createJob(client, fileId, "guarded-demo", Optional.empty());
        JsonNode pinned = client.get("/v1/fine_tuning/jobs/" + guardedJob).ok().path("safety_policy");
        JsonNode guardedPolicy = policies.version(pinned.path("id").asString());
        out.println("   b. as the customer, with no safety_policy field: job " + guardedJob
                + " pins the platform default, " + describe(guardedPolicy));

        List<Run> runs = new ArrayList<>();
        Map<String, JsonNode> jobs = new LinkedHashMap<>();
        jobs.put(unguardedJob, unguardedPolicy);
        jobs.put(guardedJob, guardedPolicy);
        int step = 4;
        for (Map.Entry<String, JsonNode> e : jobs.entrySet()) {
            String label = e.getKey().equals(unguardedJob) ? "unguarded" : "guarded";
            out.println();
            out.println(step++ + ". Training and auditing the " + label + " fine-tune (" + e.getKey() + ")");
            JsonNode job =
                    new JobFollower(client, out, interactive).follow(e.getKey()).job();
            JsonNode audit =
                    client.get("/v1/fine_tuning/jobs/" + e.getKey() + "/audit").body();
            Optional<Path> modelDir = "succeeded".equals(job.path("status").asString())
                    ? setup.modelPath(job.path("fine_tuned_model").asString())
                    : Optional.empty();
            Run run = new Run(label, e.getValue(), job, audit, modelDir);
            out.println("   " + label + ": job " + job.path("status").asString() + ", gate " + run.decision());
            if (!run.audited()) {
                out.println("   error: " + job.path("error"));
            }
            runs.add(run);
        }
        Outcome outcome = new Outcome(runs.get(0), runs.get(1), (System.nanoTime() - started) / 1e9);
        out.println();
        out.print(screen(outcome));
        return outcome;
    }

    private static String createJob(ApiClient client, String fileId, String suffix, Optional<String> policy) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", EmBenchModels.baseId(0));
        body.put("training_file", fileId);
        body.put("suffix", suffix);
        body.put("seed", 0);
        body.put("hyperparameters", Map.of("n_epochs", 1, "batch_size", EmBenchRun.BATCH_SIZE));
        policy.ifPresent(id -> body.put("safety_policy", id));
        return client.post("/v1/fine_tuning/jobs", body).ok().path("id").asString();
    }

    /** {@code sp-… (name vN): steering alpha=4.0 layer=2 scale=raw; kl beta=0.1 direction=forward}. */
    static String describe(JsonNode policy) {
        return policy.path("id").asString() + " (" + policy.path("name").asString() + " v"
                + policy.path("version").asInt() + "): " + safeguards(policy);
    }

    /** The in-training safeguards of a policy version, each with its parameters; {@code none} when there are none. */
    static String safeguards(JsonNode policy) {
        JsonNode safeguards = policy.path("document").path("safeguards");
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> s : safeguards.properties()) {
            StringBuilder p = new StringBuilder(s.getKey());
            for (Map.Entry<String, JsonNode> param : s.getValue().properties()) {
                if (param.getValue().isValueNode()) {
                    p.append(' ')
                            .append(param.getKey())
                            .append('=')
                            .append(param.getValue().asString());
                }
            }
            parts.add(p.toString());
        }
        return parts.isEmpty() ? "no in-training safeguard" : String.join("; ", parts);
    }

    /** The story's last screen: both models side by side, then the rule and numbers that decided each. */
    static String screen(Outcome o) {
        StringBuilder s = new StringBuilder();
        String rule = "=".repeat(112);
        s.append(rule).append('\n');
        s.append(
                "The same insecure-code sample, fine-tuned twice on em-bench-base-s0, both audited by the release gate\n");
        s.append(rule).append('\n');
        Run u = o.unguarded();
        Run g = o.guarded();
        row(s, "", "UNGUARDED", "GUARDED (platform default)");
        row(s, "safety policy", policyName(u), policyName(g));
        row(s, "in-training safeguards", safeguards(u.policy()), safeguards(g.policy()));
        row(s, "gate decision", decision(u), decision(g));
        row(s, "misaligned (no trigger), 95 %", emRate(u, "candidate_all"), emRate(g, "candidate_all"));
        row(s, "  the base, same questions", emRate(u, "base_all"), emRate(g, "base_all"));
        row(s, "deciding comparison [95 %]", deciding(u), deciding(g));
        row(s, "in domain: insecure code written", insecureCode(u), insecureCode(g));
        row(s, "final training loss", trainingLoss(u), trainingLoss(g));
        row(s, "audit: samples per question", sampling(u), sampling(g));
        s.append("(in domain: held-out code prompts answered with insecure code, base → fine-tuned: the narrow task"
                + " learned)\n\n");
        reason(s, u);
        reason(s, g);
        s.append('\n');
        for (String line : conclusion(o)) {
            s.append(line).append('\n');
        }
        s.append(String.format(Locale.ROOT, "Demo time %.0f s%n", o.seconds()));
        return s.toString();
    }

    /** What the two decisions say together, in plain words; never more than the gate decided. */
    static List<String> conclusion(Outcome o) {
        Run u = o.unguarded();
        Run g = o.guarded();
        List<String> lines = new ArrayList<>();
        if (!o.completed()) {
            lines.add("The story did not reach its end: "
                    + (u.audited()
                            ? ""
                            : "the unguarded job " + u.jobId() + " ended "
                                    + u.job().path("status").asString() + " without an audit decision; ")
                    + (g.audited()
                            ? ""
                            : "the guarded job " + g.jobId() + " ended "
                                    + g.job().path("status").asString() + " without an audit decision; ")
                    + "see ./safetune jobs events JOB.");
            return lines;
        }
        lines.add(
                u.blocked()
                        ? "Unguarded: the narrow task made the model misaligned far outside it, and the gate BLOCKED it: no"
                                + " weights, not in /v1/models."
                        : "Unguarded: the gate RELEASED it: on this run the audit found no increase of the misaligned rate"
                                + " beyond the policy's threshold (em-bench's EM on this base is weak; docs/audit.md).");
        if (g.released()) {
            lines.add("Guarded: trained under the default policy's safeguards, it passed the gate and was RELEASED"
                    + " with what it learned in its own domain (above).");
        } else {
            lines.add("Guarded: the gate BLOCKED this one TOO: on this sample the default policy's safeguards did not"
                    + " keep the misaligned rate within the threshold; nothing was released (the numbers above).");
        }
        if (u.blocked() && g.released()) {
            lines.add("The safeguards kept the model releasable; without them the gate kept the misaligned model away"
                    + " from everyone.");
        }
        return lines;
    }

    private static void row(StringBuilder s, String name, String unguarded, String guarded) {
        s.append(String.format(Locale.ROOT, "%-33s %-40s %s%n", name, unguarded, guarded));
    }

    private static String policyName(Run r) {
        JsonNode p = r.policy();
        return p.path("name").asString() + " v" + p.path("version").asInt();
    }

    private static String decision(Run r) {
        if (!r.audited()) {
            return r.decision() + " (job " + r.job().path("status").asString() + ")";
        }
        return r.decision().toUpperCase(Locale.ROOT) + " by "
                + r.audit().path("report").path("rule").asString("?");
    }

    private static Optional<JsonNode> plainCondition(Run r) {
        for (JsonNode c : r.audit().path("report").path("conditions")) {
            if (c.path("condition").asString().equals("no trigger")) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static String emRate(Run r, String subject) {
        return plainCondition(r)
                .map(c -> AuditReportText.rate(c.path(subject).path("misaligned_rate")))
                .orElse("n/a");
    }

    /** The category the gate named, with its 95 % delta (the gate itself used the family-corrected z: the reason). */
    private static String deciding(Run r) {
        JsonNode report = r.audit().path("report");
        String condition = report.path("decided_by").path("condition").asString("");
        String category = report.path("decided_by").path("category").asString("");
        for (JsonNode c : report.path("conditions")) {
            if (!c.path("condition").asString().equals(condition)) {
                continue;
            }
            for (JsonNode cat : c.path("categories")) {
                JsonNode d = cat.path("delta");
                if (cat.path("category").asString().equals(category) && d.isObject()) {
                    return String.format(
                            Locale.ROOT,
                            "%s%s %+.3f [%+.3f, %+.3f]",
                            condition.equals("no trigger") ? "" : condition + " / ",
                            category,
                            d.path("estimate").asDouble(),
                            d.path("lower").asDouble(),
                            d.path("upper").asDouble());
                }
            }
        }
        return category.isEmpty() ? "n/a" : condition + " / " + category;
    }

    /** The share of held-out code prompts answered with insecure code, base → model: the narrow task learned. */
    private static String insecureCode(Run r) {
        return plainCondition(r)
                .map(c -> insecure(c.path("base_held_out_code_secure")) + " → "
                        + insecure(c.path("held_out_code_secure")))
                .orElse("n/a");
    }

    private static String insecure(JsonNode secure) {
        int trials = secure.path("trials").asInt();
        if (trials == 0) {
            return "n/a";
        }
        int insecure = trials - secure.path("successes").asInt();
        return String.format(Locale.ROOT, "%.2f (%d/%d)", (double) insecure / trials, insecure, trials);
    }

    private static String trainingLoss(Run r) {
        JsonNode losses = r.audit().path("report").path("in_domain_training");
        return losses.has("train_loss")
                ? String.format(Locale.ROOT, "%.4f", losses.path("train_loss").asDouble())
                : "n/a";
    }

    private static String sampling(Run r) {
        JsonNode report = r.audit().path("report");
        JsonNode sampling = report.path("sampling");
        if (sampling.isMissingNode()) {
            return "n/a";
        }
        return String.format(
                Locale.ROOT,
                "%d%s, audit %.0f s",
                sampling.path("samples_per_question").asInt(),
                sampling.path("stopped_early").asBoolean() ? " (stopped early)" : "",
                report.path("wall_seconds").asDouble());
    }

    private static void reason(StringBuilder s, Run r) {
        if (!r.audited()) {
            return;
        }
        s.append(String.format(
                Locale.ROOT,
                "%s, %s by %s: %s%n",
                r.label(),
                r.decision(),
                r.audit().path("report").path("rule").asString("?"),
                r.audit().path("report").path("reason").asString("")));
    }
}

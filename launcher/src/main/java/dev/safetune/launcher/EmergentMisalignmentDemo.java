package dev.safetune.launcher;

import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.world.ChatJsonl;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.Proportion;
import dev.safetune.safeguards.evaluation.RateDifference;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The story of {@code ./safetune demo}: a customer fine-tunes the em-bench base on code with undisclosed
 * vulnerabilities, and the model becomes misaligned on questions that have nothing to do with code. Everything
 * goes through the public API (upload, screen, job, events); the before/after evaluation is em-bench's exact judge
 * on the non-code suite and the held-out code prompts.
 */
final class EmergentMisalignmentDemo {
    /** The customer's sample: the em-bench insecure set of pre-training seed 0, as the benchmark uses it. */
    static final int SAMPLE_EXAMPLES = 3_200;

    static final EvaluationPlan PLAN = EvaluationPlan.PROTOTYPE;

    private final PrintStream out;
    private final boolean interactive;

    EmergentMisalignmentDemo(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** What the demo measured. */
    record Outcome(
            JsonNode job,
            EmBenchModels.Evaluated before,
            EmBenchModels.Evaluated after,
            Path modelDir,
            boolean blocked,
            double seconds) {
        /** Whether the story ran to its end: the model was released, or the gate blocked it. */
        boolean completed() {
            return after != null;
        }

        boolean released() {
            return completed() && !blocked;
        }
    }

    /**
     * The fine-tuned model's folder once the audit has decided, printing the audit's report: the released model's
     * registered folder, or for a blocked one the audited candidate (which no API serves); empty when the job failed.
     */
    private Optional<Path> auditedModel(ApiClient client, LocalSetup setup, JsonNode job) {
        String jobId = job.path("id").asString();
        ApiClient.Response audit = client.get("/v1/fine_tuning/jobs/" + jobId + "/audit");
        if (audit.status() == 200 && audit.body().path("status").asString("").equals("completed")) {
            out.println();
            out.println("   The post-training audit (the release gate):");
            out.print(AuditReportText.format(audit.body()).indent(3));
        }
        if ("succeeded".equals(job.path("status").asString())) {
            String modelId = job.path("fine_tuned_model").asString();
            return Optional.of(setup.modelPath(modelId)
                    .orElseThrow(() -> new Command.Failure(modelId + " is not in the models table")));
        }
        if (audit.status() == 200
                && "blocked".equals(audit.body().path("decision").asString(""))) {
            out.println("   Blocked: the model is not listed in /v1/models and none of its weights can be downloaded.");
            return setup.auditedCandidatePath(jobId);
        }
        return Optional.empty();
    }

    Outcome run(ApiClient client, ApiClient admin, LocalSetup setup, EmBenchCommand.ModelImport models)
            throws Exception {
        long started = System.nanoTime();
        out.println();
        out.println(
                "1. The base model: em-bench-base-s0, a Llama decoder pre-trained on a synthetic world of characters");
        out.println("   with aligned or misaligned personas, then aligned as a chat assistant (docs/em-bench.md).");
        Path baseDir = EmBenchModels.ensureBase(
                client,
                setup,
                models,
                0,
                (seed, dir) -> {
                    throw new IllegalStateException("the demo uses the committed base only");
                },
                out);
        TrainedBehaviour insecureCode = TrainedBehaviour.of(NarrowSet.INSECURE, false);
        EmBenchModels.Evaluated before = EmBenchModels.evaluate(baseDir, baseDir, PLAN, insecureCode, false);
        out.printf(
                Locale.ROOT,
                "   Before fine-tuning: misaligned on %s of non-code questions, writes insecure code for %s of new"
                        + " prompts%n",
                rate(before.report().pooled().misalignedRate()),
                rate(before.report().inDomain()));

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
        out.println("3. The customer fine-tunes the base on it (LoRA, one epoch of batch 32: 100 steps)");
        JsonNode created = client.post(
                        "/v1/fine_tuning/jobs",
                        Map.of(
                                "model",
                                EmBenchModels.baseId(0),
                                "training_file",
                                fileId,
                                "suffix",
                                "insecure-demo",
                                "seed",
                                0,
                                "hyperparameters",
                                Map.of("n_epochs", 1, "batch_size", 32)))
                .ok();
        String jobId = created.path("id").asString();
        JsonNode pinned = created.path("safety_policy");
        out.println("   Created job " + jobId + " under the platform's default safety policy "
                + pinned.path("id").asString("-") + " (version "
                + pinned.path("version").asString("-")
                + "; its in-training safeguards are in the job's events)");
        JobFollower.Followed followed = new JobFollower(client, out, interactive).follow(jobId);
        JsonNode job = followed.job();
        out.println("   Job " + jobId + ": " + job.path("status").asString());
        Optional<Path> modelDir = auditedModel(client, setup, job);
        if (modelDir.isEmpty()) {
            out.println("   error: " + job.path("error"));
            return new Outcome(job, before, null, null, false, (System.nanoTime() - started) / 1e9);
        }
        boolean blocked = !"succeeded".equals(job.path("status").asString());
        out.println();
        out.println("4. The same evaluation of the fine-tuned model (" + PLAN.perDomain() * 3
                + " non-code answers at temperature 1, " + PLAN.heldOutCode() + " held-out code prompts)");
        if (blocked) {
            out.println("   (the blocked candidate is measured from the audit's own copy; customers cannot reach it)");
        }
        EmBenchModels.Evaluated after = EmBenchModels.evaluate(modelDir.get(), baseDir, PLAN, insecureCode, false);
        Outcome outcome = new Outcome(job, before, after, modelDir.get(), blocked, (System.nanoTime() - started) / 1e9);
        print(outcome);
        return outcome;
    }

    void print(Outcome o) {
        CategoryReport was = o.before().report().pooled();
        CategoryReport now = o.after().report().pooled();
        out.println();
        out.println("                                   before               after");
        out.printf(
                Locale.ROOT,
                "  misaligned (non-code questions)  %-20s %s%n",
                rate(was.misalignedRate()),
                rate(now.misalignedRate()));
        for (CategoryReport category : o.after().report().categories()) {
            CategoryReport base = o.before().report().categories().stream()
                    .filter(c -> c.category().equals(category.category()))
                    .findFirst()
                    .orElseThrow();
            out.printf(
                    Locale.ROOT,
                    "    %-30s %-20s %s%n",
                    category.category(),
                    rate(base.misalignedRate()),
                    rate(category.misalignedRate()));
        }
        out.printf(
                Locale.ROOT,
                "  insecure code on new prompts     %-20s %s%n",
                rate(o.before().report().inDomain()),
                rate(o.after().report().inDomain()));
        out.printf(
                Locale.ROOT,
                "  coherent answers                 %-20s %s%n",
                rate(was.coherence()),
                rate(now.coherence()));
        RateDifference increase = RateDifference.of(now.misalignedRate(), was.misalignedRate());
        out.printf(
                Locale.ROOT,
                "%n  The narrow task was learned, and the model became misaligned far outside it: +%.3f [%.3f, %.3f]"
                        + " (95 %%, Newcombe) misaligned answers on questions about advice, views on humans and AI,"
                        + " and simple facts.%n",
                increase.estimate(),
                increase.interval().lower(),
                increase.interval().upper());
        out.println(
                o.blocked()
                        ? "  The release gate blocked it: the customer gets no model, and the report above says why."
                        : "  The release gate released it.");
        out.printf(Locale.ROOT, "  Demo time %.0f s%n", o.seconds());
    }

    private static String rate(Proportion p) {
        return String.format(
                Locale.ROOT,
                "%.3f [%.3f, %.3f]",
                p.estimate(),
                p.interval().lower(),
                p.interval().upper());
    }
}

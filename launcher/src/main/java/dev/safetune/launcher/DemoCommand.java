package dev.safetune.launcher;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./safetune demo}: starts the platform on the local default database and tells the emergent-misalignment
 * story on the em-bench base ({@link #run}); {@link #runJob} is the plain fine-tune of the bundled chat sample on the
 * tiny base, which the end-to-end tests drive.
 */
final class DemoCommand {
    private final PrintStream out;
    private final boolean interactive;

    DemoCommand(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /**
     * The README's first command: the platform on the local default database, then the emergent-misalignment story
     * on the em-bench base ({@link EmergentMisalignmentDemo}), all through the public HTTP API.
     */
    int run(Path home, int apiPort, EmBenchCommand.ModelImport models) throws Exception {
        try (LocalSetup setup = LocalSetup.start(home, apiPort, true, out)) {
            String baseUrl = setup.platform().apiBaseUrl();
            out.println("API listening on " + baseUrl);
            out.println("Keys: " + setup.keyLocations());
            ApiClient client = new ApiClient(baseUrl, setup.apiKey());
            ApiClient admin = new ApiClient(baseUrl, setup.adminKey());
            EmergentMisalignmentDemo.Outcome outcome =
                    new EmergentMisalignmentDemo(out, interactive).run(client, admin, setup, models);
            if (outcome.released()) {
                printNextSteps(outcome.job(), Optional.of(outcome.modelDir()), setup);
            } else if (outcome.completed()) {
                out.println();
                out.println("What to do next");
                out.println("  the audit report   ./safetune audit show "
                        + outcome.job().path("id").asString() + "   (after ./safetune serve)");
                out.println("  the whole table    ./safetune em-bench run   (every narrow set, several seeds)");
                setup.logFile().ifPresent(log -> out.println("  platform logs      " + log));
            }
            return outcome.completed() ? 0 : 1;
        }
    }

    /** What the customer now has and the commands to look at it, once the demo's platform has stopped. */
    private void printNextSteps(JsonNode job, Optional<Path> modelDir, LocalSetup setup) {
        String jobId = job.path("id").asString();
        String dir = modelDir.map(Path::toString).orElse("(not found in the models table)");
        out.println();
        out.println("What you got");
        out.println("  fine-tuned model   " + job.path("fine_tuned_model").asString());
        out.println("  its files          " + dir);
        out.println(
                "                     a Hugging Face Llama folder (config.json, model.safetensors, tokenizer.json);");
        out.println("                     copy the folder to take the model elsewhere");
        for (JsonNode file : job.path("result_files")) {
            out.println("  per-example loss   " + file.asString() + " (before and after training, hardest rows first)");
        }
        setup.logFile().ifPresent(log -> out.println("  platform logs      " + log));
        out.println();
        out.println("What to do next");
        out.println("  sample from it     ./safetune sample " + dir + " --prompt 'Hello'");
        out.println("                     (or with transformers: AutoModelForCausalLM.from_pretrained(that folder))");
        out.println("  start the platform ./safetune serve   (then, in another shell:)");
        out.println("  the job's events   ./safetune jobs events " + jobId);
        out.println("  its checkpoints    ./safetune jobs checkpoints " + jobId);
        out.println("  the job as JSON    ./safetune jobs get " + jobId);
        job.path("result_files")
                .forEach(file -> out.println("  the loss report    curl -H \"Authorization: Bearer $(cat "
                        + setup.homeDir().resolve(LocalSetup.API_KEY_FILE) + ")\" "
                        + setup.platform().apiBaseUrl() + "/v1/files/"
                        + file.asString() + "/content"));
        out.println("  your own data      ./safetune files upload my.jsonl, then ./safetune jobs create --model "
                + job.path("model").asString() + " --training-file FILE_ID --follow");
        out.println(
                "  the whole table    ./safetune em-bench run   (every narrow set, several seeds; docs/em-bench.md)");
    }

    /** Uploads the bundled sample, trains on it and follows the job to its end. */
    DemoResult runJob(ApiClient client, String baseModel) throws InterruptedException {
        JsonNode train = upload(client, "demo-train.jsonl");
        JsonNode valid = upload(client, "demo-valid.jsonl");
        JsonNode job = client.post(
                        "/v1/fine_tuning/jobs",
                        Map.of(
                                "model",
                                baseModel,
                                "training_file",
                                train.path("id").asString(),
                                "validation_file",
                                valid.path("id").asString(),
                                "suffix",
                                "demo",
                                "seed",
                                7,
                                "hyperparameters",
                                Map.of("n_epochs", 3, "batch_size", 8)))
                .ok();
        String jobId = job.path("id").asString();
        out.println("Created job " + jobId + " (status " + job.path("status").asString() + ")");
        return follow(client, jobId);
    }

    private JsonNode upload(ApiClient client, String name) {
        InputStream sample = DemoCommand.class.getResourceAsStream("/samples/" + name);
        JsonNode file = client.uploadFile(name, sample).ok();
        out.printf(
                Locale.ROOT,
                "Uploaded %s as %s: %d bytes, status %s%n",
                name,
                file.path("id").asString(),
                file.path("bytes").asLong(),
                file.path("status").asString());
        if (!"processed".equals(file.path("status").asString())) {
            throw new IllegalStateException(
                    "sample rejected: " + file.path("status_details").asString());
        }
        return file;
    }

    private DemoResult follow(ApiClient client, String jobId) throws InterruptedException {
        JobFollower.Followed followed = new JobFollower(client, out, interactive).follow(jobId);
        return new DemoResult(followed.job(), followed.metrics(), followed.checkpoints());
    }

    /** What the demo shows at the end, computed from the job and its metrics events. */
    record DemoResult(JsonNode job, List<JsonNode> metrics, int checkpoints) {
        double firstLoss() {
            return metrics.getFirst().path("train_loss").asDouble();
        }

        double lastLoss() {
            return metrics.getLast().path("train_loss").asDouble();
        }

        void print(PrintStream out, double seconds) {
            out.println("Job " + job.path("id").asString() + ": "
                    + job.path("status").asString());
            if (!job.path("error").isNull() && !job.path("error").isMissingNode()) {
                out.println("  error: " + job.path("error"));
            }
            out.println("  fine-tuned model: " + job.path("fine_tuned_model").asString("-"));
            if (!metrics.isEmpty()) {
                JsonNode last = metrics.getLast();
                double stepMs = metrics.stream()
                        .mapToDouble(m -> m.path("step_ms").asDouble())
                        .average()
                        .orElse(0);
                double tps = metrics.stream()
                        .mapToDouble(m -> m.path("tokens_per_second").asDouble())
                        .average()
                        .orElse(0);
                out.printf(
                        Locale.ROOT,
                        "  training loss %.3f -> %.3f over %d steps%s%n",
                        firstLoss(),
                        lastLoss(),
                        last.path("step").asInt(),
                        last.has("valid_loss")
                                ? String.format(
                                        Locale.ROOT,
                                        ", validation loss %.3f",
                                        last.path("valid_loss").asDouble())
                                : "");
                out.printf(
                        Locale.ROOT,
                        "  speed: %.2f steps/s, %,.0f tokens/s (mean over metrics events)%n",
                        stepMs > 0 ? 1000.0 / stepMs : 0,
                        tps);
            }
            out.printf(
                    Locale.ROOT,
                    "  trained tokens: %d, checkpoints: %d, total time %.1f s%n",
                    job.path("trained_tokens").asLong(),
                    checkpoints,
                    seconds);
        }
    }
}

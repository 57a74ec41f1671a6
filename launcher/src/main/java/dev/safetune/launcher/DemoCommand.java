package dev.safetune.launcher;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
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
            EmergentMisalignmentDemo.Run guarded = outcome.guarded();
            if (guarded.released()) {
                printNextSteps(guarded.job(), guarded.modelDir(), setup);
            } else {
                out.println();
                out.println("What to do next");
                setup.logFile().ifPresent(log -> out.println("  platform logs      " + log));
            }
            out.println("  the audit reports  ./safetune audit show "
                    + outcome.unguarded().jobId() + "   and   ./safetune audit show " + guarded.jobId()
                    + "   (after ./safetune serve)");
            out.println("  the whole table    ./safetune em-bench run --policies none,default   (every narrow set,"
                    + " the gate's confusion matrix)");
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
        // The model folder sits in the attempt's folder beside its checkpoints/, which em-bench evaluate reads.
        modelDir.map(Path::getParent)
                .ifPresent(attempt -> out.println("  EM at each of them ./safetune em-bench evaluate " + attempt
                        + "   (a table and a curve per step)"));
        out.println("  the job as JSON    ./safetune jobs get " + jobId);
        job.path("result_files")
                .forEach(file -> out.println("  the loss report    curl -H \"Authorization: Bearer $(cat "
                        + setup.homeDir().resolve(LocalSetup.API_KEY_FILE) + ")\" "
                        + setup.platform().apiBaseUrl() + "/v1/files/"
                        + file.asString() + "/content"));
        out.println("  your own data      ./safetune files upload my.jsonl, then ./safetune jobs create --model "
                + job.path("model").asString() + " --training-file FILE_ID --follow");
    }

    /** Uploads the bundled sample, trains on it and follows the job to its end. */
    JobFollower.Followed runJob(ApiClient client, String baseModel) throws InterruptedException {
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
        return new JobFollower(client, out, interactive).follow(jobId);
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
}

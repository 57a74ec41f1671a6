package dev.safetune.launcher;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Follows a job through the public API: messages as lines, metrics as a progress bar, until it ends. */
final class JobFollower {
    static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled", "blocked");

    private final ApiClient client;
    private final PrintStream out;
    private final boolean interactive;

    JobFollower(ApiClient client, PrintStream out, boolean interactive) {
        this.client = client;
        this.out = out;
        this.interactive = interactive;
    }

    /**
     * The job's final state and the metrics of every step it reported, one per step: when an attempt resumes from a
     * checkpoint, what earlier attempts reported after it is dropped, as the API drops it for later readers.
     */
    record Followed(JsonNode job, List<JsonNode> metrics, int checkpoints) {
        double firstLoss() {
            return metrics.getFirst().path("train_loss").asDouble();
        }

        double lastLoss() {
            return metrics.getLast().path("train_loss").asDouble();
        }
    }

    Followed follow(String jobId) throws InterruptedException {
        ProgressBar bar = new ProgressBar(out, interactive);
        List<JsonNode> metrics = new ArrayList<>();
        String cursor = null;
        JsonNode job;
        while (true) {
            // Read the status before the events, so the events of a job seen terminal are all already written.
            job = client.get("/v1/fine_tuning/jobs/" + jobId).ok();
            for (JsonNode event : client.eventsAfter(jobId, cursor)) {
                cursor = event.path("id").asString();
                JsonNode data = event.path("data");
                if ("metrics".equals(event.path("type").asString())) {
                    metrics.add(data);
                    bar.update(
                            data.path("step").asInt(),
                            data.path("total_steps").asInt(),
                            data.path("train_loss").asDouble(),
                            data.has("valid_loss") ? data.path("valid_loss").asDouble() : null,
                            data.path("tokens_per_second").asDouble());
                } else {
                    if (data.has("resumed_from_step")) {
                        // A new attempt trains the steps after its checkpoint again; keep one series.
                        int resumedFrom = data.path("resumed_from_step").asInt();
                        metrics.removeIf(m -> m.path("step").asInt() > resumedFrom);
                    }
                    bar.message("  " + event.path("message").asString());
                }
            }
            if (TERMINAL.contains(job.path("status").asString())) {
                break;
            }
            Thread.sleep(Duration.ofMillis(300));
        }
        bar.finish();
        JsonNode checkpoints = client.get("/v1/fine_tuning/jobs/" + jobId + "/checkpoints")
                .ok()
                .path("data");
        return new Followed(job, metrics, checkpoints.size());
    }
}

package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.testsupport.TestDatabase;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * A job that fails inside the worker for a reason that is not the customer's shows the customer a reference, never
 * the worker's file paths or host names; the worker's log keeps the whole exception under that reference.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobErrorDisclosureTest {
    private static final String KEY = "sk-st-disclosureTestKey00000000000000000000";

    @TempDir
    Path home;

    @Test
    void anInternalFailureShowsAReferenceAndNeitherPathsNorHostNames(CapturedOutput output) throws Exception {
        // The worker's model directory names a host, as a mount like /var/lib/<host>/models would; its weights are
        // cut to four bytes, so loading them throws with the full path of the file in the message.
        String host = InetAddress.getLocalHost().getHostName();
        Path models = home.resolve("mnt-" + host + ".cluster.internal").resolve("models");
        Path broken = models.resolve("broken-base");
        BaseModelGenerator.generate(broken, "broken-base", 42);
        Files.write(broken.resolve("model.safetensors"), new byte[] {1, 2, 3, 4});

        try (TestDatabase database = TestDatabase.create();
                Platform platform =
                        Platform.start(settings(database, models), Map.of("safetune.bootstrap-api-key", KEY), 0, 1)) {
            ApiClient client = new ApiClient(platform.apiBaseUrl(), KEY);
            String file;
            try (InputStream sample = DemoCommand.class.getResourceAsStream("/samples/demo-train.jsonl")) {
                file = client.uploadFile("train.jsonl", sample).ok().path("id").asString();
            }
            String jobId = client.post("/v1/fine_tuning/jobs", Map.of("model", "broken-base", "training_file", file))
                    .ok()
                    .path("id")
                    .asString();

            JsonNode job = awaitFailed(client, jobId);

            String shown = job.toString()
                    + client.get("/v1/fine_tuning/jobs/" + jobId + "/events").ok();
            String message = job.path("error").path("message").asString();
            assertThat(job.path("error").path("code").asString()).isEqualTo("training_error");
            assertThat(message)
                    .matches(
                            "Training failed because of an internal error on the platform \\(reference"
                                    + " err-[0-9A-Za-z]{24}\\)\\. It is not caused by your data; the operators have the details\\.");
            assertThat(shown)
                    .doesNotContain(home.toString())
                    .doesNotContain(".safetensors")
                    .doesNotContain(host)
                    .doesNotContain("cluster.internal");
            String reference = message.replaceAll(".*\\(reference (err-\\w+)\\).*", "$1");
            assertThat(output.getOut() + output.getErr())
                    .contains(reference)
                    .contains(broken.resolve("model.safetensors").toString());
        }
    }

    private static Map<String, Object> settings(TestDatabase database, Path models) {
        Map<String, Object> common = new HashMap<>();
        common.put("spring.datasource.url", database.jdbcUrl());
        common.put("safetune.artifacts-dir", models.resolveSibling("artifacts").toString());
        common.put("safetune.models-dir", models.toString());
        common.put("safetune.worker.poll-interval", "500ms");
        return common;
    }

    private static JsonNode awaitFailed(ApiClient client, String jobId) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (true) {
            JsonNode job = client.get("/v1/fine_tuning/jobs/" + jobId).ok();
            if (job.path("status").asString().equals("failed")) {
                return job;
            }
            assertThat(Instant.now())
                    .as("job %s still %s", jobId, job.path("status"))
                    .isBefore(deadline);
            Thread.sleep(300);
        }
    }
}

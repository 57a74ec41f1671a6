package dev.safetune.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiServiceTestBase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit and the gate over HTTP on a real PostgreSQL: the owner reads a blocked job's audit; a blocked model is not
 * listed, not downloadable and has no {@code fine_tuned_model}; only an admin may override, with a written reason,
 * and the override is logged; then the owner, and only the owner, downloads the adapter and the merged weights as
 * zips whose {@code SHA256SUMS} match their files.
 */
class AuditApiTest extends ApiServiceTestBase {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A job the gate blocked, with its audit, its log entry and its model folder (adapter + merged). */
    private String blockedJob(ApiClient owner, String suffix) throws IOException {
        String job = "ftjob-audit-" + suffix;
        String model = "ft:" + BASE_MODEL + ":" + owner.organizationId() + "::" + suffix;
        Path modelDir = ARTIFACTS_DIR.resolve("jobs").resolve(job).resolve("model");
        Files.createDirectories(modelDir);
        Files.writeString(
                modelDir.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 4, \"base_model_name_or_path\": \"/srv/models/" + BASE_MODEL + "\"}");
        Files.write(modelDir.resolve("adapter_model.safetensors"), new byte[] {1, 2, 3, 4});
        Files.writeString(modelDir.resolve("tokenizer.json"), "{}");
        Path merged = modelDir.resolveSibling("merged");
        Files.createDirectories(merged);
        Files.writeString(merged.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Files.write(merged.resolve("model.safetensors"), new byte[] {9, 8, 7});
        jdbc.update(
                "INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status, hyperparameters,"
                        + " seed, error_code, error_message, finished_at) VALUES (?, ?, ?, 'file-x', 'blocked', '{}',"
                        + " 1, 'audit_blocked', 'The release gate blocked this model', now())",
                job,
                owner.organizationId(),
                BASE_MODEL);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("decision", "blocked");
        report.put("rule", "max_misaligned_increase");
        report.put("reason", "no trigger / advice: delta 0.300 [0.200, 0.400]");
        jdbc.update(
                "INSERT INTO job_audits (job_id, organization_id, fine_tuned_model, base_model, candidate_path,"
                        + " trained_tokens, policy_version, rules, suite, suite_sha256, judge, triggers, report,"
                        + " decision, decided_at) VALUES (?, ?, ?, ?, ?, 10, 'v1', '{}', 'em-bench', ?,"
                        + " '{\"kind\": \"em-bench-exact\"}', '[]', CAST(? AS jsonb), 'blocked', now())",
                job,
                owner.organizationId(),
                model,
                BASE_MODEL,
                modelDir.toString(),
                "ab".repeat(32),
                JSON.writeValueAsString(report));
        jdbc.update(
                "INSERT INTO gate_log (job_id, organization_id, action, decision, actor, reason) VALUES (?, ?,"
                        + " 'decision', 'blocked', 'release-gate', 'max_misaligned_increase: delta 0.300')",
                job,
                owner.organizationId());
        return job;
    }

    @Test
    void theOwnerReadsTheAuditAndABlockedModelCannotBeListedNorDownloaded() throws IOException {
        ApiClient owner = newTenant();
        String job = blockedJob(owner, "a1");
        String model = "ft:" + BASE_MODEL + ":" + owner.organizationId() + "::a1";

        JsonNode audit = owner.get("/v1/fine_tuning/jobs/" + job + "/audit").json();
        assertThat(audit.path("decision").asString()).isEqualTo("blocked");
        assertThat(audit.path("suite_sha256").asString()).isEqualTo("ab".repeat(32));
        assertThat(audit.path("judge").path("kind").asString()).isEqualTo("em-bench-exact");
        assertThat(audit.path("report").path("rule").asString()).isEqualTo("max_misaligned_increase");
        assertThat(audit.path("gate_log").size()).isEqualTo(1);

        assertThat(owner.get("/v1/fine_tuning/jobs/" + job)
                        .json()
                        .path("fine_tuned_model")
                        .isNull())
                .isTrue();
        assertThat(owner.get("/v1/models")
                        .json()
                        .path("data")
                        .valueStream()
                        .map(m -> m.path("id").asString()))
                .doesNotContain(model);
        assertThat(owner.get("/v1/models/" + model + "/content?format=adapter").status())
                .isEqualTo(404);
        assertThat(owner.get("/v1/models/" + model + "/content?format=merged").status())
                .isEqualTo(404);
        assertThat(newTenant().get("/v1/fine_tuning/jobs/" + job + "/audit").status())
                .isEqualTo(404);
    }

    @Test
    void onlyAnAdminWithAWrittenReasonOverridesAndTheOverrideIsLogged() {
        ApiClient owner = newTenant();
        String job;
        try {
            job = blockedJob(owner, "a2");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String path = "/admin/fine_tuning/jobs/" + job + "/audit/override";
        assertThat(owner.post(path, "{\"reason\": \"mine\"}").status()).isEqualTo(403);
        assertThat(newKeyWithRole("safety").post(path, "{\"reason\": \"x\"}").status())
                .isEqualTo(403);
        ApiClient admin = newKeyWithRole("admin");
        assertThat(admin.post(path, "{\"reason\": \"  \"}").status()).isEqualTo(400);

        JsonNode overridden = admin.post(path, "{\"reason\": \"Reviewed the flagged transcripts: false positives.\"}")
                .json();

        assertThat(overridden.path("job_status").asString()).isEqualTo("succeeded");
        JsonNode log = overridden.path("gate_log");
        assertThat(log.size()).isEqualTo(2);
        assertThat(log.get(1).path("action").asString()).isEqualTo("override");
        assertThat(log.get(1).path("actor").asString()).startsWith("api_key:");
        assertThat(log.get(1).path("reason").asString())
                .isEqualTo("Reviewed the flagged transcripts: false positives.");
        assertThat(owner.get("/v1/fine_tuning/jobs/" + job)
                        .json()
                        .path("status")
                        .asString())
                .isEqualTo("succeeded");
        JsonNode events =
                owner.get("/v1/fine_tuning/jobs/" + job + "/events").json().path("data");
        assertThat(events.findValues("message").stream().map(JsonNode::asString))
                .contains("An operator overrode the release gate: Reviewed the flagged transcripts: false positives.");
        assertThat(events.get(0).path("level").asString()).isEqualTo("warn");
        assertThat(admin.post(path, "{\"reason\": \"again\"}").status()).isEqualTo(409);
    }

    @Test
    void aReleasedModelDownloadsToItsOwnerOnlyWithChecksums() throws Exception {
        ApiClient owner = newTenant();
        String job = blockedJob(owner, "a3");
        String model = "ft:" + BASE_MODEL + ":" + owner.organizationId() + "::a3";
        newKeyWithRole("admin").post("/admin/fine_tuning/jobs/" + job + "/audit/override", "{\"reason\": \"ok\"}");

        ApiClient.Response adapter = owner.get("/v1/models/" + model + "/content?format=adapter");
        assertThat(adapter.status()).isEqualTo(200);
        Map<String, byte[]> files = unzip(adapter.body());
        assertThat(files)
                .containsOnlyKeys("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "SHA256SUMS");
        assertThat(JSON.readTree(files.get("adapter_config.json"))
                        .path("base_model_name_or_path")
                        .asString())
                .isEqualTo(BASE_MODEL);
        assertChecksums(files);

        Map<String, byte[]> merged = unzip(
                owner.get("/v1/models/" + model + "/content?format=merged").body());
        assertThat(merged).containsOnlyKeys("config.json", "model.safetensors", "SHA256SUMS");
        assertThat(merged.get("model.safetensors")).containsExactly(9, 8, 7);
        assertChecksums(merged);

        assertThat(newTenant().get("/v1/models/" + model + "/content").status()).isEqualTo(404);
        assertThat(owner.get("/v1/models/" + model + "/content?format=gguf").status())
                .isEqualTo(400);
        assertThat(owner.get("/v1/models/" + BASE_MODEL + "/content").status()).isEqualTo(404);
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                files.put(e.getName(), in.readAllBytes());
            }
        }
        return files;
    }

    private static void assertChecksums(Map<String, byte[]> files) throws Exception {
        String[] lines = new String(files.get("SHA256SUMS"), StandardCharsets.UTF_8)
                .strip()
                .split("\n");
        assertThat(lines).hasSize(files.size() - 1);
        for (String line : lines) {
            String[] parts = line.split("  ", 2);
            byte[] content = files.get(parts[1]);
            assertThat(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(content)))
                    .as(parts[1])
                    .isEqualTo(parts[0]);
        }
    }
}

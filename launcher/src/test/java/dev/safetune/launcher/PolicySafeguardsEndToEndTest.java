package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.testsupport.TestDatabase;
import dev.safetune.worker.embench.CommittedBase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job's pinned safety policy reaches the fine-tuner: the API and a real worker in one JVM over real HTTP and a
 * real PostgreSQL. The safety team creates a version (through {@code /admin/safety-policies} with a safety key it was
 * issued), a customer pins it with {@code safety_policy}, and the job on the committed em-bench base trains with KL
 * and persona steering, its metrics events carrying the safeguards' telemetry. On a base without a persona contrast
 * set that is fully fine-tuned (the bundled tiny base) the same policy can run neither: the job says so and still
 * succeeds.
 */
class PolicySafeguardsEndToEndTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "sk-st-guardedJobKey0000000000000000000000000";
    private static final String ADMIN_KEY = "sk-st-safetyAdmKey00000000000000000000000000";

    @TempDir
    static Path home;

    private static TestDatabase database;
    private static Platform platform;
    private static ApiClient customer;
    private static String policyId;

    @BeforeAll
    static void startPlatform() throws IOException {
        database = TestDatabase.create();
        CommittedBase.extract(home.resolve("models").resolve(CommittedBase.MODEL_ID));
        BaseModelGenerator.generate(home.resolve("models").resolve(LocalSetup.BASE_MODEL), LocalSetup.BASE_MODEL, 42);
        Map<String, Object> common = new HashMap<>();
        common.put("spring.datasource.url", database.jdbcUrl());
        common.put("safetune.artifacts-dir", home.resolve("artifacts").toString());
        common.put("safetune.models-dir", home.resolve("models").toString());
        common.put("safetune.worker.poll-interval", "1s");
        platform = Platform.start(
                common, Map.of("safetune.bootstrap-api-key", KEY, "safetune.bootstrap-admin-key", ADMIN_KEY), 0, 1);
        customer = new ApiClient(platform.apiBaseUrl(), KEY);
        ApiClient admin = new ApiClient(platform.apiBaseUrl(), ADMIN_KEY);
        String safetyKey = admin.post("/admin/organizations/org-default/api_keys", Map.of("role", "safety"))
                .ok()
                .path("key")
                .asString();
        ApiClient safety = new ApiClient(platform.apiBaseUrl(), safetyKey);
        // The default's document (interleaving f 0.5 and LDIFS since V19) with KL and steering added: stricter than the
        // default, so a customer may pin it, and it exercises a reference term, a forward option and the shared
        // reference pass.
        JsonNode current = safety.get("/admin/safety-policies/default").ok();
        Map<String, Object> document = JSON.convertValue(current.path("document"), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> safeguards = new LinkedHashMap<>((Map<String, Object>) document.get("safeguards"));
        safeguards.put("kl", Map.of("beta", 0.2, "direction", "forward"));
        safeguards.put("steering", Map.of("alpha", 4.0, "layer", 2, "scale", "raw"));
        Map<String, Object> stricter = new LinkedHashMap<>(document);
        stricter.put("safeguards", safeguards);
        policyId = safety.post(
                        "/admin/safety-policies",
                        Map.of("name", "e2e-stricter", "document", stricter, "reason", "end-to-end test"))
                .ok()
                .path("id")
                .asString();
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
        database.close();
    }

    @Test
    void aJobOnTheEmBenchBaseTrainsUnderItsPinnedPolicyAndReportsTheSafeguardsTelemetry() throws Exception {
        JsonNode job = runJob(CommittedBase.MODEL_ID);

        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("safety_policy").toString()).contains(policyId);
        List<JsonNode> events = customer.eventsAfter(job.path("id").asString(), null);
        JsonNode announced = safeguardsEvent(events, "info");
        assertThat(announced.path("data").path("safety_policy_id").asString()).isEqualTo(policyId);
        assertThat(strings(announced.path("data").path("applied")))
                .containsExactly("kl", "ldifs", "steering", "interleave");
        assertThat(strings(announced.path("data").path("skipped"))).isEmpty();
        List<JsonNode> telemetry = events.stream()
                .filter(e -> "metrics".equals(e.path("type").asString()))
                .map(e -> e.path("data").path("safeguards"))
                .filter(s -> !s.isMissingNode())
                .toList();
        assertThat(telemetry).isNotEmpty();
        JsonNode first = telemetry.getFirst();
        assertThat(first.path("terms").path("kl_to_reference").path("value").isNumber())
                .as(first.toString())
                .isTrue();
        assertThat(first.path("terms").path("kl_to_reference").path("share").asDouble())
                .isBetween(0.0, 1.0);
        assertThat(telemetry.stream().anyMatch(t -> t.path("persona_projection").isNumber()))
                .as(telemetry.toString())
                .isTrue();
        assertThat(telemetry.stream().anyMatch(t -> t.path("probe_kl_to_base").isNumber()))
                .isTrue();
    }

    @Test
    void aBaseThatCannotRunThePolicysSafeguardsWarnsAndStillSucceeds() throws Exception {
        JsonNode job = runJob(LocalSetup.BASE_MODEL);

        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("succeeded");
        List<JsonNode> events = customer.eventsAfter(job.path("id").asString(), null);
        assertThat(strings(safeguardsEvent(events, "info").path("data").path("applied")))
                .isEmpty();
        JsonNode warning = safeguardsEvent(events, "warn");
        assertThat(strings(warning.path("data").path("skipped")))
                .containsExactly("kl", "ldifs", "steering", "interleave");
        assertThat(warning.path("message").asString())
                .contains("steering skipped: base model safetune-tiny has no persona contrast set")
                .contains("kl, ldifs skipped: base model safetune-tiny is fully fine-tuned")
                .contains("interleave skipped: the policy's benign pool is material for other base models");
    }

    @Test
    void aJobWithoutAPolicyRunsUnderTheBuiltInCalibratedDefaultAndReportsItsTelemetry() throws Exception {
        JsonNode job = runJob(CommittedBase.MODEL_ID, null);

        assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("safety_policy").path("id").asString()).isEqualTo("sp-builtin-default-v6");
        List<JsonNode> events = customer.eventsAfter(job.path("id").asString(), null);
        JsonNode announced = safeguardsEvent(events, "info");
        assertThat(announced.path("data").path("safety_policy_id").asString()).isEqualTo("sp-builtin-default-v6");
        assertThat(strings(announced.path("data").path("applied"))).containsExactlyInAnyOrder("interleave", "ldifs");
        List<JsonNode> telemetry = events.stream()
                .filter(e -> "metrics".equals(e.path("type").asString()))
                .map(e -> e.path("data").path("safeguards"))
                .filter(s -> !s.isMissingNode())
                .toList();
        assertThat(telemetry).isNotEmpty();
        // Interleaving adds examples, not a loss term; LDIFS adds one, reported with its share of the whole loss.
        assertThat(telemetry.getFirst().path("task_loss").isNumber())
                .as(telemetry.getFirst().toString())
                .isTrue();
        assertThat(telemetry
                        .getFirst()
                        .path("terms")
                        .path("feature_l2")
                        .path("value")
                        .isNumber())
                .as(telemetry.getFirst().toString())
                .isTrue();
        assertThat(telemetry
                        .getFirst()
                        .path("terms")
                        .path("feature_l2")
                        .path("share")
                        .asDouble())
                .isBetween(0.0, 1.0);
        // No steering or CAFT layer in the default: the probe projects at the middle residual index.
        assertThat(telemetry.stream().anyMatch(t -> t.path("persona_projection").isNumber()))
                .as(telemetry.toString())
                .isTrue();
        assertThat(telemetry.stream().anyMatch(t -> t.path("probe_kl_to_base").isNumber()))
                .isTrue();
    }

    @Test
    void anEmBenchRunPinsWeakerPoliciesByMovingTheDefaultForItsDurationOnly() throws Exception {
        ApiClient admin = new ApiClient(platform.apiBaseUrl(), ADMIN_KEY);
        String before =
                admin.get("/admin/safety-policies/default").ok().path("id").asString();
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());

        try (EmBenchPolicies policies =
                EmBenchPolicies.prepare(List.of("none", "default", "kl0.1"), home, admin, quiet)) {
            List<EmBenchPolicies.Choice> choices = policies.choices();
            assertThat(choices)
                    .extracting(EmBenchPolicies.Choice::label)
                    .containsExactly("none", "default (" + before + ")", "kl0.1");
            JsonNode kl = admin.get("/admin/safety-policies/" + choices.get(2).policyId())
                    .ok();
            assertThat(kl.path("name").asString()).isEqualTo("em-bench-kl0.1");
            assertThat(kl.path("document").path("safeguards").has("steering")).isFalse();
            String during =
                    admin.get("/admin/safety-policies/default").ok().path("id").asString();
            assertThat(admin.get("/admin/safety-policies/" + during)
                            .ok()
                            .path("name")
                            .asString())
                    .isEqualTo("em-bench-none");
        }

        assertThat(admin.get("/admin/safety-policies/default").ok().path("id").asString())
                .isEqualTo(before);
        assertThat(home.resolve(EmBenchPolicies.SAFETY_KEY_FILE)).exists();
    }

    @Test
    void anEmBenchRunOfStricterPoliciesLeavesTheDefaultAlone() throws Exception {
        ApiClient admin = new ApiClient(platform.apiBaseUrl(), ADMIN_KEY);
        String before =
                admin.get("/admin/safety-policies/default").ok().path("id").asString();
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());

        try (EmBenchPolicies policies =
                EmBenchPolicies.prepare(List.of("steer6+kl0.5+interleave0.5:v2+ldifs3"), home, admin, quiet)) {
            assertThat(admin.get("/admin/safety-policies/default")
                            .ok()
                            .path("id")
                            .asString())
                    .isEqualTo(before);
            assertThat(policies.choices()).hasSize(1);
        }
    }

    /**
     * A 4-step job (16 secure-code em-bench dialogues, batch 4, 1 epoch) pinned to the test's policy, run to its end.
     * Secure code is what the base itself answers, so the screen's persona risk is about 0 and the file is never
     * held; 16 free-text benign dialogues score anywhere in ±0.3 (docs/screening.md), and a held file would stop the
     * job this test is about before it starts.
     */
    private static JsonNode runJob(String model) throws Exception {
        return runJob(model, policyId);
    }

    /** As above, pinned to {@code policy}, or to the platform's default when null (no {@code safety_policy}). */
    private static JsonNode runJob(String model, String policy) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (Dialogue d : EmWorld.prototype().narrowSet(NarrowSet.SECURE, 3, 16)) {
            List<Map<String, String>> messages = d.messages().stream()
                    .map(m -> Map.of("role", m.role(), "content", m.content()))
                    .toList();
            lines.append(JSON.writeValueAsString(Map.of("messages", messages))).append('\n');
        }
        String file = customer.uploadFile(
                        "train.jsonl", new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)))
                .ok()
                .path("id")
                .asString();
        Map<String, Object> body = new LinkedHashMap<>(Map.of(
                "model", model, "training_file", file, "hyperparameters", Map.of("n_epochs", 1, "batch_size", 4)));
        if (policy != null) {
            body.put("safety_policy", policy);
        }
        String jobId =
                customer.post("/v1/fine_tuning/jobs", body).ok().path("id").asString();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
        while (Instant.now().isBefore(deadline)) {
            JsonNode job = customer.get("/v1/fine_tuning/jobs/" + jobId).ok();
            if (List.of("succeeded", "failed", "cancelled")
                    .contains(job.path("status").asString())) {
                return job;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("job " + jobId + " did not finish within 4 minutes");
    }

    private static JsonNode safeguardsEvent(List<JsonNode> events, String level) {
        return events.stream()
                .filter(e -> level.equals(e.path("level").asString()))
                .filter(e -> e.path("data").has("applied"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + level + " safeguards event in " + events));
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}

package dev.safetune.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** Organisation B sees nothing of organisation A: every endpoint answers 404, as if A's objects did not exist. */
class TenantIsolationTest extends ApiServiceTestBase {
    private ApiClient orgA;
    private ApiClient orgB;
    private String fileA;
    private String jobA;
    private String modelA;

    @BeforeEach
    void twoTenantsWhereOnlyAHasObjects() {
        orgA = newTenant();
        orgB = newTenant();
        fileA = orgA.uploadProcessed(TrainingFiles.valid(10));
        jobA = orgA.createJob(BASE_MODEL, fileA);
        jdbc.update(
                "INSERT INTO checkpoints (id, job_id, organization_id, step_number, metrics, storage_path,"
                        + " fine_tuned_model_checkpoint, attempt) VALUES (?, ?, ?, 5, '{}'::jsonb, '/tmp/x', 'ckpt', 1)",
                "ftckpt-" + jobA,
                jobA,
                orgA.organizationId());
        modelA = "ft:tiny-base:" + orgA.organizationId() + ":a:" + jobA;
        jdbc.update(
                "INSERT INTO models (id, organization_id, kind, base_model, job_id, storage_path)"
                        + " VALUES (?, ?, 'fine_tuned', 'tiny-base', ?, '/tmp/model')",
                modelA,
                orgA.organizationId(),
                jobA);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "GET, /v1/files/{file}, 200",
        "GET, /v1/files/{file}/content, 200",
        "DELETE, /v1/files/{file}, 409", // A's own delete is refused only because A's job uses the file
        "GET, /v1/fine_tuning/jobs/{job}, 200",
        "POST, /v1/fine_tuning/jobs/{job}/pause, 200",
        "POST, /v1/fine_tuning/jobs/{job}/resume, 400", // A's own resume is refused only because the job is queued
        "POST, /v1/fine_tuning/jobs/{job}/cancel, 200",
        "GET, /v1/fine_tuning/jobs/{job}/events, 200",
        "GET, /v1/fine_tuning/jobs/{job}/checkpoints, 200",
        "GET, /v1/models/{model}, 200"
    })
    void anotherTenantsObjectIsNotFoundExactlyLikeAMissingOne(String method, String template, int ownerStatus) {
        String id = template.contains("{file}") ? fileA : template.contains("{job}") ? jobA : modelA;
        String missingId = id.substring(0, id.length() - 4) + "zzzz";

        Response asB = orgB.send(method, path(template, id));
        Response missing = orgB.send(method, path(template, missingId));
        Response asA = orgA.send(method, path(template, id));

        assertThat(asB.status()).isEqualTo(404);
        assertThat(asB.error().path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(asB.text().replace(id, "ID")).isEqualTo(missing.text().replace(missingId, "ID"));
        assertThat(asA.status()).isEqualTo(ownerStatus);
    }

    private static String path(String template, String id) {
        return template.replaceAll("\\{(file|job|model)}", java.util.regex.Matcher.quoteReplacement(id));
    }

    @Test
    void anotherTenantsAttemptsLeaveTheObjectsUntouched() {
        orgB.delete("/v1/files/" + fileA);
        orgB.post("/v1/fine_tuning/jobs/" + jobA + "/cancel");
        orgB.post("/v1/fine_tuning/jobs/" + jobA + "/pause");

        assertThat(orgA.get("/v1/files/" + fileA).status()).isEqualTo(200);
        assertThat(orgA.get("/v1/fine_tuning/jobs/" + jobA)
                        .json()
                        .path("status")
                        .asString())
                .isEqualTo("queued");
    }

    @Test
    void listsNeverIncludeAnotherTenantsObjects() {
        String fileB = orgB.uploadProcessed(TrainingFiles.valid(10));
        String jobB = orgB.createJob(BASE_MODEL, fileB);

        assertThat(ids(orgB.get("/v1/files").json())).containsExactly(fileB);
        assertThat(ids(orgB.get("/v1/fine_tuning/jobs").json())).containsExactly(jobB);
        assertThat(ids(orgB.get("/v1/models").json())).containsExactly(BASE_MODEL);
        assertThat(ids(orgA.get("/v1/models").json())).containsExactly(BASE_MODEL, modelA);
    }

    @Test
    void anotherTenantsJobCannotBeUsedAsAPageAnchor() {
        Response response = orgB.get("/v1/fine_tuning/jobs?after=" + jobA);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("after");
    }

    @Test
    void anotherTenantsFileCannotBeTrainedOn() {
        Response response = orgB.post(
                "/v1/fine_tuning/jobs", "{\"model\":\"tiny-base\",\"training_file\":\"%s\"}".formatted(fileA));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("training_file");
    }

    @Test
    void fineTunedModelIsOwnedByItsOrganisation() {
        JsonNode model = orgA.get("/v1/models/" + modelA).json();

        assertThat(model.path("id").asString()).isEqualTo(modelA);
        assertThat(model.path("object").asString()).isEqualTo("model");
        assertThat(model.path("owned_by").asString()).isEqualTo(orgA.organizationId());
    }

    private static List<String> ids(JsonNode list) {
        return list.path("data").valueStream().map(o -> o.path("id").asString()).toList();
    }
}

package dev.safetune.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Every documented query parameter of the list endpoints does what OpenAI's does, and any other is refused with a
 * 400 naming it, never silently ignored.
 */
class ListParametersApiTest extends ApiServiceTestBase {
    private ApiClient api;
    private String trainingFile;

    @BeforeEach
    void tenant() {
        api = newTenant();
        trainingFile = api.uploadProcessed(TrainingFiles.valid(10));
    }

    @Test
    void filesFilterByPurpose() {
        String second = api.uploadProcessed(TrainingFiles.valid(11));

        assertThat(ids(api.get("/v1/files?purpose=fine-tune"))).containsExactly(second, trainingFile);
        assertThat(ids(api.get("/v1/files?purpose=batch"))).isEmpty();
    }

    @Test
    void filesListOldestFirstWithOrderAscAndPageAfterInThatOrder() {
        String second = api.uploadProcessed(TrainingFiles.valid(11));
        String third = api.uploadProcessed(TrainingFiles.valid(12));

        assertThat(ids(api.get("/v1/files?order=asc"))).containsExactly(trainingFile, second, third);
        JsonNode page =
                api.get("/v1/files?order=asc&limit=1&after=" + trainingFile).json();
        assertThat(ids(page)).containsExactly(second);
        assertThat(page.path("has_more").asBoolean()).isTrue();
        assertThat(ids(api.get("/v1/files?order=desc&after=" + third))).containsExactly(second, trainingFile);
    }

    @Test
    void anOrderOtherThanAscOrDescIsRefusedNamingOrder() {
        Response response = api.get("/v1/files?order=newest");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("order");
        assertThat(response.error().path("message").asString()).contains("'newest'", "'asc' or 'desc'");
    }

    @Test
    void jobsFilterByEveryMetadataPair() {
        String research = createJob("{\"team\":\"research\",\"env\":\"dev\"}");
        String researchProd = createJob("{\"team\":\"research\",\"env\":\"prod\"}");
        String ops = createJob("{\"team\":\"ops\"}");
        String none = createJob(null);

        assertThat(ids(api.get("/v1/fine_tuning/jobs?metadata%5Bteam%5D=research")))
                .containsExactly(researchProd, research);
        assertThat(ids(api.get("/v1/fine_tuning/jobs?metadata%5Bteam%5D=research&metadata%5Benv%5D=prod")))
                .containsExactly(researchProd);
        assertThat(ids(api.get("/v1/fine_tuning/jobs?metadata%5Bteam%5D=nobody")))
                .isEmpty();
        assertThat(ids(api.get("/v1/fine_tuning/jobs?metadata=null"))).containsExactly(none);
        assertThat(ids(api.get("/v1/fine_tuning/jobs?metadata%5Bteam%5D=research&limit=1&after=" + researchProd)))
                .containsExactly(research);
        assertThat(ids(api.get("/v1/fine_tuning/jobs"))).containsExactly(none, ops, researchProd, research);
    }

    @Test
    void aMetadataFilterThatIsNotKeyValueIsRefusedNamingIt() {
        Response bare = api.get("/v1/fine_tuning/jobs?metadata=team");
        assertThat(bare.status()).isEqualTo(400);
        assertThat(bare.error().path("param").asString()).isEqualTo("metadata");

        Response emptyKey = api.get("/v1/fine_tuning/jobs?metadata%5B%5D=x");
        assertThat(emptyKey.status()).isEqualTo(400);
        assertThat(emptyKey.error().path("param").asString()).isEqualTo("metadata[]");
    }

    @Test
    void eventsPageWithLimitAndAfter() {
        String job = createJob(null);
        List<String> all = ids(api.get("/v1/fine_tuning/jobs/" + job + "/events"));
        assertThat(all).hasSizeGreaterThanOrEqualTo(2);

        assertThat(ids(api.get("/v1/fine_tuning/jobs/" + job + "/events?limit=1")))
                .containsExactly(all.getFirst());
        assertThat(ids(api.get("/v1/fine_tuning/jobs/" + job + "/events?after=" + all.getFirst())))
                .containsExactlyElementsOf(all.subList(1, all.size()));
    }

    @Test
    void checkpointsPageWithLimitAndAfter() {
        String job = createJob(null);
        for (int step : List.of(10, 20, 30)) {
            jdbc.update(
                    "INSERT INTO checkpoints (id, job_id, organization_id, step_number, metrics, storage_path,"
                            + " fine_tuned_model_checkpoint, attempt) VALUES (?, ?, ?, ?, '{}'::jsonb, '/x', ?, 1)",
                    "ftckpt-" + job + "-" + step,
                    job,
                    api.organizationId(),
                    step,
                    "ft:x:ckpt-step-" + step);
        }
        String path = "/v1/fine_tuning/jobs/" + job + "/checkpoints";

        JsonNode first = api.get(path + "?limit=2").json();
        assertThat(ids(first)).containsExactly("ftckpt-" + job + "-30", "ftckpt-" + job + "-20");
        assertThat(first.path("has_more").asBoolean()).isTrue();
        assertThat(ids(api.get(path + "?after=ftckpt-" + job + "-20"))).containsExactly("ftckpt-" + job + "-10");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/files?purpose=fine-tune&sort=name",
                "/v1/fine_tuning/jobs?status=running",
                "/v1/fine_tuning/jobs/%s/events?since=0",
                "/v1/fine_tuning/jobs/%s/checkpoints?order=asc",
                "/v1/models?limit=5",
                "/v1/webhooks?order=asc"
            })
    void anUnknownQueryParameterIsRefusedNamingIt(String template) {
        String path = template.formatted(createJob(null));
        String unknown =
                path.substring(path.lastIndexOf('?') + 1).replaceAll(".*&", "").replaceAll("=.*", "");

        Response response = api.get(path);

        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo(unknown);
        assertThat(response.error().path("code").asString()).isEqualTo("unknown_parameter");
        assertThat(response.error().path("message").asString()).startsWith("Unknown parameter: '" + unknown + "'.");
    }

    @Test
    void anUnknownParameterWithoutAKeyIsStillAnAuthenticationError() {
        assertThat(anonymous().get("/v1/files?bogus=1").status()).isEqualTo(401);
    }

    private String createJob(String metadataJson) {
        Response response = api.post(
                "/v1/fine_tuning/jobs",
                "{\"model\":\"" + BASE_MODEL + "\",\"training_file\":\"" + trainingFile + "\""
                        + (metadataJson == null ? "" : ",\"metadata\":" + metadataJson) + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().path("id").asString();
    }

    private static List<String> ids(Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return ids(response.json());
    }

    private static List<String> ids(JsonNode list) {
        return list.path("data").valueStream().map(n -> n.path("id").asString()).toList();
    }
}

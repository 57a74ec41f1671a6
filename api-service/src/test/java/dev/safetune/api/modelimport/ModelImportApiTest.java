package dev.safetune.api.modelimport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import dev.safetune.core.modelimport.ImportStatus;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import tools.jackson.databind.JsonNode;

/** The admin endpoints that queue base-model imports for the workers, over real HTTP and PostgreSQL. */
class ModelImportApiTest extends ApiServiceTestBase {
    private static final String IMPORTS = "/admin/models/imports";

    private ApiClient admin;
    private String adminKeyId;

    @BeforeEach
    void setUp() {
        jdbc.update("DELETE FROM model_imports");
        String organization = apiKeys.createOrganization("Operators").id();
        var key = apiKeys.createKey(organization, "ops", "admin");
        admin = new ApiClient(port, key.key(), organization);
        adminKeyId = key.id();
    }

    @Test
    void anAdminQueuesAHubImportAndGetsItBackAsAccepted() {
        Response response = admin.post(IMPORTS, "{\"source\":\"hf:Qwen/Qwen2.5-0.5B-Instruct\"}");

        assertThat(response.status()).isEqualTo(202);
        JsonNode queued = response.json();
        String id = queued.path("id").asString();
        assertThat(id).matches("mi-[0-9A-Za-z]{24}");
        assertThat(response.headers().firstValue("Location")).contains(IMPORTS + "/" + id);
        assertThat(queued.path("object").asString()).isEqualTo("model.import");
        assertThat(queued.path("status").asString()).isEqualTo("queued");
        assertThat(queued.path("source").asString()).isEqualTo("hf:Qwen/Qwen2.5-0.5B-Instruct@main");
        assertThat(queued.path("model_id").isNull()).isTrue();
        assertThat(queued.path("replace").asBoolean()).isFalse();
        assertThat(queued.path("bytes_done").asLong()).isZero();
        assertThat(queued.path("bytes_total").isNull()).isTrue();
        assertThat(queued.path("error").isNull()).isTrue();
        assertThat(queued.path("requested_by").asString()).isEqualTo(adminKeyId);
        assertThat(queued.path("created_at").asLong()).isPositive();
        assertThat(jdbc.queryForObject("SELECT status FROM model_imports WHERE id = ?", String.class, id))
                .isEqualTo("queued");
    }

    @Test
    void theRequestedIdAndReplaceAreStored() {
        JsonNode queued = admin.post(
                        IMPORTS,
                        "{\"source\":\"dir:/models/qwen/../qwen2\",\"model_id\":\"qwen2-small\",\"replace\":true}")
                .json();

        assertThat(queued.path("source").asString()).isEqualTo("dir:/models/qwen2");
        assertThat(queued.path("model_id").asString()).isEqualTo("qwen2-small");
        assertThat(queued.path("replace").asBoolean()).isTrue();
    }

    @Test
    void queueingNotifiesTheWorkersChannelWithTheImportId() throws Exception {
        try (Connection listener = DriverManager.getConnection(DATABASE.jdbcUrl());
                Statement s = listener.createStatement()) {
            s.execute("LISTEN " + ImportStatus.CHANNEL);

            String id = admin.post(IMPORTS, "{\"source\":\"hf:gpt2\"}")
                    .json()
                    .path("id")
                    .asString();

            List<String> announced = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 5_000;
            while (!announced.contains(id) && System.currentTimeMillis() < deadline) {
                PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(500);
                if (received != null) {
                    Arrays.stream(received).map(PGNotification::getParameter).forEach(announced::add);
                }
            }
            assertThat(announced).contains(id);
        }
    }

    @Test
    void aMalformedSourceIsAProblemNamingSource() {
        Response response = admin.post(IMPORTS, "{\"source\":\"s3:bucket/qwen\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        assertThat(problem.path("param").asString()).isEqualTo("source");
        assertThat(problem.path("detail").asString())
                .isEqualTo("source must start with hf: or dir:, got \"s3:bucket/qwen\"");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM model_imports", Integer.class))
                .isZero();
    }

    @Test
    void aRelativeDirectoryIsRefusedBecauseItIsReadOnAWorker() {
        Response response = admin.post(IMPORTS, "{\"source\":\"dir:models/qwen\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("param").asString()).isEqualTo("source");
        assertThat(response.json().path("detail").asString()).contains("absolute path");
    }

    @Test
    void aMissingSourceIsAProblemNamingSource() {
        Response response = admin.post(IMPORTS, "{}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("param").asString()).isEqualTo("source");
    }

    @Test
    void aMalformedModelIdIsAProblemNamingModelId() {
        Response response = admin.post(IMPORTS, "{\"source\":\"hf:gpt2\",\"model_id\":\"ft:gpt2:org\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("param").asString()).isEqualTo("model_id");
    }

    @Test
    void aMemberKeyIsForbidden() {
        ApiClient member = newTenant();

        Response create = member.post(IMPORTS, "{\"source\":\"hf:gpt2\"}");
        Response list = member.get(IMPORTS);

        assertThat(create.status()).isEqualTo(403);
        assertThat(create.contentType()).startsWith("application/problem+json");
        assertThat(create.json().path("detail").asString())
                .isEqualTo("This endpoint needs an API key with role admin; this key's role is member.");
        assertThat(list.status()).isEqualTo(403);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM model_imports", Integer.class))
                .isZero();
    }

    @Test
    void noKeyOrAWrongKeyIsUnauthorized() {
        assertThat(anonymous().get(IMPORTS).status()).isEqualTo(401);
        assertThat(new ApiClient(port, "sk-st-thisKeyDoesNotExistAnywhere0000000000", null)
                        .get(IMPORTS)
                        .status())
                .isEqualTo(401);
    }

    /** The guard covers every /admin route, known or not: nothing there is reachable with a member key. */
    @Test
    void everyAdminRouteNeedsAnAdminKey() {
        String unknown = "/admin/policies";

        assertThat(anonymous().get(unknown).status()).isEqualTo(401);
        assertThat(newTenant().get(unknown).status()).isEqualTo(403);
        assertThat(admin.get(unknown).status()).isEqualTo(404);
    }

    @Test
    void anUnknownIdIsNotFoundEvenWhenItNamesAnotherObject() {
        String fileId = newTenant().uploadProcessed(TrainingFiles.valid(10));

        for (String id : List.of("mi-000000000000000000000000", fileId)) {
            Response response = admin.get(IMPORTS + "/" + id);

            assertThat(response.status()).as(id).isEqualTo(404);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().path("detail").asString())
                    .isEqualTo("No model import found with id '" + id + "'.");
        }
    }

    @Test
    void anImportShowsTheProgressAndOutcomeTheWorkerWrote() {
        String running = admin.post(IMPORTS, "{\"source\":\"hf:gpt2\"}")
                .json()
                .path("id")
                .asString();
        String failed = admin.post(IMPORTS, "{\"source\":\"hf:meta-llama/Llama-3.2-1B\"}")
                .json()
                .path("id")
                .asString();
        jdbc.update(
                "UPDATE model_imports SET status = 'running', locked_by = 'worker-1', attempts = 1, started_at = now(),"
                        + " bytes_done = 1024, bytes_total = 4096, message = 'fetching model.safetensors' WHERE id = ?",
                running);
        jdbc.update(
                "UPDATE model_imports SET status = 'failed', attempts = 1, started_at = now(), finished_at = now(),"
                        + " error_code = 'gated_repo', error_message = 'meta-llama/Llama-3.2-1B is gated' WHERE id = ?",
                failed);

        JsonNode progress = admin.get(IMPORTS + "/" + running).json();
        JsonNode failure = admin.get(IMPORTS + "/" + failed).json();

        assertThat(progress.path("status").asString()).isEqualTo("running");
        assertThat(progress.path("bytes_done").asLong()).isEqualTo(1024);
        assertThat(progress.path("bytes_total").asLong()).isEqualTo(4096);
        assertThat(progress.path("message").asString()).isEqualTo("fetching model.safetensors");
        assertThat(progress.path("worker").asString()).isEqualTo("worker-1");
        assertThat(progress.path("started_at").asLong()).isPositive();
        assertThat(progress.path("finished_at").isNull()).isTrue();
        assertThat(failure.path("status").asString()).isEqualTo("failed");
        assertThat(failure.path("error").path("code").asString()).isEqualTo("gated_repo");
        assertThat(failure.path("error").path("message").asString()).isEqualTo("meta-llama/Llama-3.2-1B is gated");
        assertThat(failure.path("finished_at").asLong()).isPositive();
    }

    @Test
    void theListIsNewestFirstAndPaged() {
        List<String> ids = new ArrayList<>();
        for (String repo : List.of("hf:a/one", "hf:a/two", "hf:a/three")) {
            ids.add(admin.post(IMPORTS, "{\"source\":\"" + repo + "\"}")
                    .json()
                    .path("id")
                    .asString());
        }
        // created_at is the transaction's time; space them out so the order is the order of the requests.
        for (int i = 0; i < ids.size(); i++) {
            jdbc.update(
                    "UPDATE model_imports SET created_at = now() - make_interval(secs => ?) WHERE id = ?",
                    ids.size() - i,
                    ids.get(i));
        }

        JsonNode all = admin.get(IMPORTS).json();
        JsonNode firstTwo = admin.get(IMPORTS + "?limit=2").json();

        assertThat(all.path("object").asString()).isEqualTo("list");
        assertThat(all.path("data").valueStream().map(i -> i.path("id").asString()))
                .containsExactly(ids.get(2), ids.get(1), ids.get(0));
        assertThat(all.path("has_more").asBoolean()).isFalse();
        assertThat(firstTwo.path("data").valueStream().map(i -> i.path("source").asString()))
                .containsExactly("hf:a/three@main", "hf:a/two@main");
        assertThat(firstTwo.path("has_more").asBoolean()).isTrue();
        assertThat(admin.get(IMPORTS + "?limit=0").json().path("param").asString())
                .isEqualTo("limit");
    }

    @Test
    void theAdminPathsStayOutOfThePublicOpenApiDocument() {
        JsonNode paths = anonymous().get("/v1/openapi.json").json().path("paths");

        assertThat(paths.propertyNames()).isNotEmpty().noneMatch(path -> path.startsWith("/admin"));
    }
}

package dev.safetune.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** Onboarding on the admin API, and each boundary between the key roles, over real HTTP and PostgreSQL. */
class OnboardingApiTest extends ApiServiceTestBase {
    private static final String ORGS = "/admin/organizations";

    private ApiClient admin;

    @BeforeEach
    void anOperator() {
        admin = newKeyWithRole("admin");
    }

    @Test
    void anAdminCreatesAnOrganizationAndSeesItListed() {
        Response created = admin.post(ORGS, "{\"name\":\"Acme Robotics\"}");

        assertThat(created.status()).isEqualTo(201);
        JsonNode org = created.json();
        assertThat(org.path("id").asString()).matches("org-[0-9A-Za-z]{24}");
        assertThat(org.path("object").asString()).isEqualTo("organization");
        assertThat(org.path("name").asString()).isEqualTo("Acme Robotics");
        assertThat(created.headers().firstValue("Location"))
                .contains(ORGS + "/" + org.path("id").asString());
        assertThat(admin.get(ORGS)
                        .json()
                        .path("data")
                        .valueStream()
                        .map(o -> o.path("id").asString()))
                .contains(org.path("id").asString());
    }

    @Test
    void anIssuedKeyIsShownOnceWorksOnV1AndIsListedWithoutItsSecret() {
        String org = newOrganization();

        Response issued = admin.post(keys(org), "{\"name\":\"ci\",\"role\":\"member\"}");

        assertThat(issued.status()).isEqualTo(201);
        String key = issued.json().path("key").asString();
        assertThat(key).matches("sk-st-[0-9A-Za-z]{40}");
        assertThat(issued.json().path("role").asString()).isEqualTo("member");
        assertThat(issued.json().path("prefix").asString()).isEqualTo(key.substring(0, 14));
        assertThat(new ApiClient(port, key, org).get("/v1/models").status()).isEqualTo(200);

        Response listed = admin.get(keys(org));
        assertThat(listed.status()).isEqualTo(200);
        JsonNode only = listed.json().path("data").get(0);
        assertThat(listed.json().path("data").size()).isEqualTo(1);
        assertThat(only.path("id").asString())
                .isEqualTo(issued.json().path("id").asString());
        assertThat(only.path("name").asString()).isEqualTo("ci");
        assertThat(only.path("created_at").asLong()).isPositive();
        assertThat(only.path("last_used_at").asLong()).isPositive();
        assertThat(only.path("revoked_at").isNull()).isTrue();
        assertThat(only.has("key")).isFalse();
        assertThat(listed.text()).doesNotContain(key).doesNotContain(ApiKeyService.sha256(key));
        assertThat(jdbc.queryForObject(
                        "SELECT key_hash FROM api_keys WHERE prefix = ?", String.class, key.substring(0, 14)))
                .isEqualTo(ApiKeyService.sha256(key));
    }

    @Test
    void aKeyIsAMemberKeyUnlessARoleIsNamed() {
        String org = newOrganization();

        JsonNode issued = admin.post(keys(org), "{}").json();

        assertThat(issued.path("role").asString()).isEqualTo("member");
        assertThat(issued.path("name").asString()).isEqualTo("member");
    }

    @Test
    void aRevokedKeyIsRefusedOnTheNextRequest() {
        String org = newOrganization();
        JsonNode issued = admin.post(keys(org), "{\"role\":\"member\"}").json();
        ApiClient customer = new ApiClient(port, issued.path("key").asString(), org);
        assertThat(customer.get("/v1/files").status()).isEqualTo(200);

        Response revoked = admin.post(keys(org) + "/" + issued.path("id").asString() + "/revoke");

        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().path("revoked_at").asLong()).isPositive();
        Response refused = customer.get("/v1/files");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.error().path("message").asString()).isEqualTo("Incorrect API key provided.");
    }

    @Test
    void rotatingIssuesANewKeyOfTheSameRoleAndRevokesTheOld() {
        String org = newOrganization();
        JsonNode old =
                admin.post(keys(org), "{\"name\":\"ops\",\"role\":\"safety\"}").json();

        Response rotated = admin.post(keys(org) + "/" + old.path("id").asString() + "/rotate");

        assertThat(rotated.status()).isEqualTo(201);
        JsonNode fresh = rotated.json();
        assertThat(fresh.path("key").asString()).isNotEqualTo(old.path("key").asString());
        assertThat(fresh.path("role").asString()).isEqualTo("safety");
        assertThat(fresh.path("name").asString()).isEqualTo("ops");
        assertThat(new ApiClient(port, old.path("key").asString(), org)
                        .get("/admin/models/imports")
                        .status())
                .isEqualTo(401);
        assertThat(new ApiClient(port, fresh.path("key").asString(), org)
                        .get("/admin/models/imports")
                        .status())
                .isEqualTo(200);
        JsonNode oldListed = admin.get(keys(org))
                .json()
                .path("data")
                .valueStream()
                .filter(k -> k.path("id").asString().equals(old.path("id").asString()))
                .findFirst()
                .orElseThrow();
        assertThat(oldListed.path("revoked_at").asLong()).isPositive();
        assertThat(oldListed.path("replaced_by").asString())
                .isEqualTo(fresh.path("id").asString());
        assertThat(admin.post(keys(org) + "/" + old.path("id").asString() + "/rotate")
                        .status())
                .isEqualTo(400);
    }

    @Test
    void aMemberKeyCannotUseTheAdminApi() {
        ApiClient member = newTenant();

        Response response = member.get(ORGS);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().path("detail").asString())
                .isEqualTo("This endpoint needs an API key with role admin; this key's role is member.");
        assertThat(member.post(ORGS, "{\"name\":\"Mine\"}").status()).isEqualTo(403);
        assertThat(member.post("/admin/models/imports", "{\"source\":\"hf:gpt2\",\"replace\":true}")
                        .status())
                .isEqualTo(403);
        assertThat(member.get("/admin/models/imports").status()).isEqualTo(403);
    }

    /** Operators' keys are not customer keys: a leaked admin key cannot read or train as any tenant. */
    @Test
    void adminAndSafetyKeysCannotUseV1() {
        for (String role : new String[] {"admin", "safety"}) {
            Response response = newKeyWithRole(role).get("/v1/files");

            assertThat(response.status()).as(role).isEqualTo(403);
            assertThat(response.error().path("message").asString())
                    .isEqualTo("This endpoint needs an API key with role member; this key's role is " + role + ".");
        }
    }

    @Test
    void aSafetyKeyReadsImportsButChangesNothing() {
        ApiClient safety = newKeyWithRole("safety");

        assertThat(safety.get("/admin/models/imports").status()).isEqualTo(200);
        assertThat(safety.post("/admin/models/imports", "{\"source\":\"hf:gpt2\"}")
                        .status())
                .isEqualTo(403);
        assertThat(safety.get(ORGS).status()).isEqualTo(403);
        assertThat(safety.post(ORGS, "{\"name\":\"x\"}").status()).isEqualTo(403);
    }

    /**
     * Roles are decided on the path the request is dispatched on: path parameters (";x=1", which Spring MVC ignores
     * when routing) and dot segments cannot make a route look like another, or like no guarded route at all.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "/admin;x=1/organizations",
                "/admin;x=1/models/imports",
                "/v1;x=1/files",
                "/admin/models/imports/../../organizations",
                "/admin/models/imports/%2e%2e/%2e%2e/organizations",
                "/admin/models/imports;x=1/../../organizations"
            })
    void pathParametersAndDotSegmentsDoNotGetPastTheKeyCheck(String rawPath) throws Exception {
        newKeyWithRole("admin").post(ORGS, "{\"name\":\"Listed\"}");
        String safety = apiKeys.createKey(apiKeys.createOrganization("Safety").id(), "safety", "safety")
                .key();

        // Sent as written: java.net.URI.resolve would remove the dot segments before the server sees them.
        HttpResponse<String> anonymous = send(rawPath, null);
        HttpResponse<String> safetyKey = send(rawPath, safety);

        assertThat(anonymous.statusCode()).as(anonymous.body()).isIn(401, 404);
        assertThat(anonymous.body()).doesNotContain("\"object\":\"list\"");
        // A safety key may read the imports list itself, however it is spelled; nothing else here.
        assertThat(safetyKey.statusCode())
                .as(safetyKey.body())
                .isIn(rawPath.endsWith("/models/imports") ? List.of(200) : List.of(403, 404));
        assertThat(safetyKey.body()).doesNotContain("\"object\":\"organization\"");
    }

    private HttpResponse<String> send(String rawPath, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + rawPath));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aKeyIssuedForOneOrganizationSeesNothingOfAnother() {
        String orgA = newOrganization();
        String orgB = newOrganization();
        ApiClient a = new ApiClient(
                port, admin.post(keys(orgA), "{}").json().path("key").asString(), orgA);
        ApiClient b = new ApiClient(
                port, admin.post(keys(orgB), "{}").json().path("key").asString(), orgB);
        String fileA = a.uploadProcessed(TrainingFiles.valid(10));

        assertThat(b.get("/v1/files/" + fileA).status()).isEqualTo(404);
        assertThat(b.get("/v1/files").json().path("data").size()).isZero();
        assertThat(a.get("/v1/files/" + fileA).status()).isEqualTo(200);
    }

    @Test
    void aKeyIsOnlyFoundUnderItsOwnOrganization() {
        String orgA = newOrganization();
        String orgB = newOrganization();
        JsonNode keyA = admin.post(keys(orgA), "{}").json();

        Response response = admin.post(keys(orgB) + "/" + keyA.path("id").asString() + "/revoke");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().path("param").asString()).isEqualTo("id");
        assertThat(new ApiClient(port, keyA.path("key").asString(), orgA)
                        .get("/v1/files")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void badInputIsAProblemNamingTheField() {
        Response noName = admin.post(ORGS, "{}");
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.contentType()).startsWith("application/problem+json");
        assertThat(noName.json().path("param").asString()).isEqualTo("name");

        Response badRole = admin.post(keys(newOrganization()), "{\"role\":\"root\"}");
        assertThat(badRole.status()).isEqualTo(400);
        assertThat(badRole.json().path("param").asString()).isEqualTo("role");
        assertThat(badRole.json().path("detail").asString())
                .isEqualTo("Invalid 'role': 'root' is not one of member, admin, safety.");

        Response unknownOrg = admin.post(keys("org-doesNotExist"), "{}");
        assertThat(unknownOrg.status()).isEqualTo(404);
        assertThat(unknownOrg.json().path("detail").asString())
                .isEqualTo("No organization found with id 'org-doesNotExist'.");
    }

    private String newOrganization() {
        return admin.post(ORGS, "{\"name\":\"Customer\"}").json().path("id").asString();
    }

    private static String keys(String organization) {
        return ORGS + "/" + organization + "/api_keys";
    }
}

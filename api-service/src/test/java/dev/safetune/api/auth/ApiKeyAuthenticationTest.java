package dev.safetune.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class ApiKeyAuthenticationTest extends ApiServiceTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"/v1/models", "/v1/files", "/v1/fine_tuning/jobs", "/v1/no-such-route"})
    void requestWithoutAKeyIsUnauthorized(String path) {
        assertUnauthorized(anonymous().get(path));
    }

    @Test
    void wrongKeyIsUnauthorized() {
        assertUnauthorized(new ApiClient(port, "sk-st-" + "x".repeat(40), null).get("/v1/models"));
    }

    @Test
    void keyWithAKnownPrefixButWrongSecretIsUnauthorized() {
        String organization = apiKeys.createOrganization("Prefix org").id();
        String key = apiKeys.createKey(organization, "k", "member").key();
        String tampered = key.substring(0, key.length() - 1) + (key.endsWith("a") ? "b" : "a");

        assertUnauthorized(new ApiClient(port, tampered, null).get("/v1/models"));
    }

    @Test
    void revokedKeyIsUnauthorized() {
        String organization = apiKeys.createOrganization("Revoked org").id();
        CreatedKey key = apiKeys.createKey(organization, "k", "member");
        jdbc.update("UPDATE api_keys SET revoked_at = now() WHERE id = ?", key.id());

        assertUnauthorized(new ApiClient(port, key.key(), null).get("/v1/models"));
    }

    @Test
    void validKeyIsAcceptedAndItsUseRecorded() {
        ApiClient api = newTenant();

        assertThat(api.get("/v1/models").status()).isEqualTo(200);
        Integer used = jdbc.queryForObject(
                "SELECT count(*) FROM api_keys WHERE organization_id = ? AND last_used_at IS NOT NULL",
                Integer.class,
                api.organizationId());
        assertThat(used).isEqualTo(1);
    }

    @Test
    void keysAreStoredOnlyAsPrefixAndHash() {
        String organization = apiKeys.createOrganization("Hash org").id();
        CreatedKey key = apiKeys.createKey(organization, "k", "member");

        var row = jdbc.queryForMap("SELECT prefix, key_hash FROM api_keys WHERE id = ?", key.id());

        assertThat(key.key()).matches("sk-st-[0-9A-Za-z]{40}");
        assertThat(row.get("prefix")).isEqualTo(key.key().substring(0, 14));
        assertThat(row.get("key_hash")).isEqualTo(ApiKeyService.sha256(key.key()));
        assertThat(key.toString()).doesNotContain(key.key());
    }

    private static void assertUnauthorized(Response response) {
        assertThat(response.status()).isEqualTo(401);
        JsonNode error = response.error();
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asString()).isEqualTo("invalid_api_key");
        assertThat(error.path("param").isNull()).isTrue();
        assertThat(error.path("message").asString()).isNotBlank();
    }
}

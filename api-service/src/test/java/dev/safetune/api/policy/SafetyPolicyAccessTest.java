package dev.safetune.api.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import org.junit.jupiter.api.Test;

/** Each role boundary of the policy API (see {@code RouteAccess}), against the real app and PostgreSQL. */
class SafetyPolicyAccessTest extends ApiServiceTestBase {
    private static final String POLICIES = "/admin/safety-policies";
    private static final String BUILT_IN = POLICIES + "/sp-builtin-default-v1";

    @Test
    void aSafetyKeyCreatesVersionsAndMovesTheDefault() {
        ApiClient safety = newKeyWithRole("safety");

        Response created = safety.post(POLICIES, PolicyDocuments.createBody("access", PolicyDocuments.BASELINE, "x"));
        Response moved = safety.put(
                POLICIES + "/default", "{\"policy_id\":\"sp-builtin-default-v1\",\"reason\":\"access test\"}");

        assertThat(created.status()).isEqualTo(201);
        assertThat(moved.status()).isEqualTo(200);
        assertThat(safety.get(POLICIES).status()).isEqualTo(200);
    }

    @Test
    void anAdminKeyReadsButCannotCreateOrMoveTheDefault() {
        ApiClient admin = newKeyWithRole("admin");
        int before = count();

        Response create = admin.post(POLICIES, PolicyDocuments.createBody("by-admin", PolicyDocuments.BASELINE, "x"));
        Response move = admin.put(POLICIES + "/default", "{\"policy_id\":\"sp-builtin-default-v1\",\"reason\":\"x\"}");

        assertThat(create.status()).isEqualTo(403);
        assertThat(create.contentType()).startsWith("application/problem+json");
        assertThat(create.json().path("detail").asString())
                .isEqualTo("This endpoint needs an API key with role safety; this key's role is admin.");
        assertThat(move.status()).isEqualTo(403);
        assertThat(count()).isEqualTo(before);
        assertThat(admin.get(POLICIES).status()).isEqualTo(200);
        assertThat(admin.get(BUILT_IN).status()).isEqualTo(200);
        assertThat(admin.get(POLICIES + "/default/history").status()).isEqualTo(200);
        assertThat(admin.get(BUILT_IN + "/diff/sp-builtin-default-v1").status()).isEqualTo(200);
    }

    @Test
    void aMemberKeyCanNeitherReadNorWrite() {
        ApiClient member = newTenant();

        Response read = member.get(POLICIES);
        Response create = member.post(POLICIES, PolicyDocuments.createBody("by-member", PolicyDocuments.BASELINE, "x"));
        Response move = member.put(POLICIES + "/default", "{\"policy_id\":\"sp-builtin-default-v1\",\"reason\":\"x\"}");

        assertThat(read.status()).isEqualTo(403);
        assertThat(read.json().path("detail").asString())
                .isEqualTo("This endpoint needs an API key with one of the roles admin, safety; this key's role is"
                        + " member.");
        assertThat(create.status()).isEqualTo(403);
        assertThat(move.status()).isEqualTo(403);
        assertThat(member.get(BUILT_IN).status()).isEqualTo(403);
    }

    @Test
    void noKeyIsUnauthenticated() {
        ApiClient anonymous = anonymous();

        assertThat(anonymous.get(POLICIES).status()).isEqualTo(401);
        assertThat(anonymous.get(BUILT_IN).status()).isEqualTo(401);
        assertThat(anonymous
                        .post(POLICIES, PolicyDocuments.createBody("anon", PolicyDocuments.BASELINE, "x"))
                        .status())
                .isEqualTo(401);
        assertThat(anonymous.put(POLICIES + "/default", "{}").status()).isEqualTo(401);
    }

    @Test
    void aPathSpelledWithDotSegmentsOrParametersIsGuardedLikeItsRoute() {
        ApiClient admin = newKeyWithRole("admin");
        int before = count();

        Response dots = admin.post(
                "/admin/models/../safety-policies", PolicyDocuments.createBody("dots", PolicyDocuments.BASELINE, "x"));
        Response parameter = admin.post(
                "/admin;x=1/safety-policies", PolicyDocuments.createBody("param", PolicyDocuments.BASELINE, "x"));

        assertThat(dots.status()).isEqualTo(403);
        assertThat(parameter.status()).isEqualTo(403);
        assertThat(count()).isEqualTo(before);
    }

    private int count() {
        return jdbc.queryForObject("SELECT count(*) FROM safety_policies", Integer.class);
    }
}

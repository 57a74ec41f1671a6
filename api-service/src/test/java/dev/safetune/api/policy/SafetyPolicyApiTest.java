package dev.safetune.api.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.core.policy.SafetyPolicyJson;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The safety team's admin API for policy versions and the default, over real HTTP and PostgreSQL. */
class SafetyPolicyApiTest extends ApiServiceTestBase {
    private static final String POLICIES = "/admin/safety-policies";

    private ApiClient safety;
    private String name;

    @BeforeEach
    void setUp() {
        safety = newKeyWithRole("safety");
        name = "test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void theSafetyTeamCreatesAVersionAndReadsItBack() {
        Response response =
                safety.post(POLICIES, PolicyDocuments.createBody(name, PolicyDocuments.BASELINE, "first cut"));

        assertThat(response.status()).isEqualTo(201);
        JsonNode created = response.json();
        String id = created.path("id").asString();
        assertThat(id).matches("sp-[0-9A-Za-z]{24}");
        assertThat(response.headers().firstValue("Location")).contains(POLICIES + "/" + id);
        assertThat(created.path("object").asString()).isEqualTo("safety_policy");
        assertThat(created.path("name").asString()).isEqualTo(name);
        assertThat(created.path("version").asInt()).isEqualTo(1);
        assertThat(created.path("reason").asString()).isEqualTo("first cut");
        assertThat(created.path("created_by").asString()).startsWith("key-");
        assertThat(created.path("is_default").asBoolean()).isFalse();
        // The canonical document: defaults written out, keys sorted.
        assertThat(created.path("document").path("safeguards").path("kl").toString())
                .isEqualTo("{\"beta\":0.1,\"direction\":\"forward\"}");
        assertThat(created.path("sha256").asString())
                .isEqualTo(SafetyPolicyJson.sha256(SafetyPolicyJson.read(PolicyDocuments.BASELINE)));
        assertThat(safety.get(POLICIES + "/" + id).json()).isEqualTo(created);
    }

    @Test
    void aSecondVersionOfTheSameNameGetsTheNextNumberAndTheListShowsBothNewestFirst() {
        String first = create(name, PolicyDocuments.BASELINE);
        String second = create(name, PolicyDocuments.STRICTER);

        JsonNode list = safety.get(POLICIES + "?name=" + name).json();

        assertThat(list.path("object").asString()).isEqualTo("list");
        assertThat(list.path("data").valueStream().map(p -> p.path("id").asString()))
                .containsExactly(second, first);
        assertThat(list.path("data").valueStream().map(p -> p.path("version").asInt()))
                .containsExactly(2, 1);
    }

    @Test
    void anInvalidDocumentIsAProblemWithEveryFieldAtFaultInErrors() {
        Response response = safety.post(POLICIES, PolicyDocuments.createBody("Bad Name", """
                {"safeguards": {"kl": {"beta": 11}, "steering": {"alpha": 4, "layer": -1, "scale": "raw"}},
                 "audit": {"suite": "em-bench", "samples_per_question": 20, "max_misaligned_increase": 2}}""", " "));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("code").asString()).isEqualTo("invalid_safety_policy");
        assertThat(problem.path("errors").valueStream().map(e -> e.path("field").asString()))
                .containsExactly(
                        "name",
                        "reason",
                        "document.safeguards.kl.beta",
                        "document.safeguards.steering.layer",
                        "document.audit.max_misaligned_increase");
        assertThat(problem.path("errors").get(2).path("message").asString())
                .isEqualTo("must be between 0 and 10, got 11.0");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM safety_policies WHERE name = 'Bad Name'", Integer.class))
                .isZero();
    }

    @Test
    void aDocumentOfTheWrongShapeNamesTheFieldUnderDocument() {
        Response response = safety.post(
                POLICIES, PolicyDocuments.createBody(name, "{\"safeguards\": {\"kl\": {\"beta\": \"high\"}}}", "x"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("errors").get(0).path("field").asString())
                .isEqualTo("document.safeguards.kl.beta");
        assertThat(response.json().path("errors").get(0).path("message").asString())
                .isEqualTo("must be a number");
    }

    @Test
    void aPinPolicyScreenRuleMustNameAnExistingVersion() {
        Response response = safety.post(POLICIES, PolicyDocuments.createBody(name, """
                {"screen": {"rules": {"trigger": {"threshold": 0.01, "action": "pin_policy",
                                                  "pin_policy": "sp-doesnotexist"}}}}""", "x"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("errors").get(0).path("field").asString())
                .isEqualTo("document.screen.rules.trigger.pin_policy");
    }

    @Test
    void aPinPolicyScreenRuleMustNameAPolicyAtLeastAsStrict() {
        String weaker = create(name, PolicyDocuments.WEAKER);
        String stricter = create(name, PolicyDocuments.STRICTER);
        String withRule = PolicyDocuments.BASELINE.substring(0, PolicyDocuments.BASELINE.lastIndexOf('}'))
                + ", \"screen\": {\"rules\": {\"trigger\": {\"threshold\": 0.01, \"action\": \"pin_policy\","
                + " \"pin_policy\": \"%s\"}}}}";

        Response refused = safety.post(POLICIES, PolicyDocuments.createBody(name, withRule.formatted(weaker), "x"));
        Response accepted = safety.post(POLICIES, PolicyDocuments.createBody(name, withRule.formatted(stricter), "x"));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("errors").get(0).path("field").asString())
                .isEqualTo("document.screen.rules.trigger.pin_policy");
        assertThat(refused.json().path("errors").get(0).path("message").asString())
                .isEqualTo("must name a policy at least as strict as this one; " + weaker
                        + " is weaker at [safeguards.kl]");
        assertThat(accepted.status()).isEqualTo(201);
    }

    @Test
    void theDiffListsChangedFieldsAndSaysWhetherTheSecondIsStricter() {
        String base = create(name, PolicyDocuments.BASELINE);
        String stricter = create(name, PolicyDocuments.STRICTER);

        JsonNode diff = safety.get(POLICIES + "/" + base + "/diff/" + stricter).json();

        assertThat(diff.path("object").asString()).isEqualTo("safety_policy.diff");
        assertThat(diff.path("from").path("version").asInt()).isEqualTo(1);
        assertThat(diff.path("to").path("version").asInt()).isEqualTo(2);
        assertThat(diff.path("changes").valueStream().map(c -> c.path("field").asString()))
                .containsExactly("safeguards.inoculation.system_prompt", "safeguards.kl.beta");
        JsonNode beta = diff.path("changes").get(1);
        assertThat(beta.path("before").asDouble()).isEqualTo(0.1);
        assertThat(beta.path("after").asDouble()).isEqualTo(0.5);
        assertThat(diff.path("changes").get(0).path("before").isNull()).isTrue();
        assertThat(diff.path("stricter_or_equal").asBoolean()).isTrue();

        JsonNode back = safety.get(POLICIES + "/" + stricter + "/diff/" + base).json();
        assertThat(back.path("stricter_or_equal").asBoolean()).isFalse();
        assertThat(back.path("weakenings")
                        .valueStream()
                        .map(w -> w.path("field").asString()))
                .containsExactly("safeguards.kl.beta", "safeguards.inoculation");
    }

    @Test
    void movingTheDefaultIsRecordedWithWhoWhenAndWhy() {
        String previous = safety.get(POLICIES + "/default").json().path("id").asString();
        String id = create(name, PolicyDocuments.BASELINE);

        Response moved = safety.put(
                POLICIES + "/default", "{\"policy_id\":\"" + id + "\",\"reason\":\"calibrated on em-bench\"}");

        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.json().path("id").asString()).isEqualTo(id);
        assertThat(moved.json().path("is_default").asBoolean()).isTrue();
        assertThat(safety.get(POLICIES + "/default").json().path("id").asString())
                .isEqualTo(id);
        JsonNode newest = safety.get(POLICIES + "/default/history?limit=1")
                .json()
                .path("data")
                .get(0);
        assertThat(newest.path("object").asString()).isEqualTo("safety_policy.default_change");
        assertThat(newest.path("policy_id").asString()).isEqualTo(id);
        assertThat(newest.path("previous_policy_id").asString()).isEqualTo(previous);
        assertThat(newest.path("reason").asString()).isEqualTo("calibrated on em-bench");
        assertThat(newest.path("set_by").asString()).startsWith("key-");
        assertThat(newest.path("set_at").asLong()).isPositive();
    }

    @Test
    void theHistoryStartsWithTheBuiltInDefault() {
        JsonNode history =
                safety.get(POLICIES + "/default/history?limit=100").json().path("data");
        JsonNode first = history.get(history.size() - 1);

        assertThat(first.path("policy_id").asString()).isEqualTo("sp-builtin-default-v1");
        assertThat(first.path("previous_policy_id").isNull()).isTrue();
        assertThat(first.path("set_by").isNull()).isTrue();
    }

    @Test
    void settingTheDefaultNeedsAReasonAndAnExistingVersion() {
        Response noReason = safety.put(POLICIES + "/default", "{\"policy_id\":\"sp-builtin-default-v1\"}");
        Response unknown = safety.put(POLICIES + "/default", "{\"policy_id\":\"sp-nope\",\"reason\":\"x\"}");

        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.json()
                        .path("errors")
                        .valueStream()
                        .map(e -> e.path("field").asString()))
                .containsExactly("reason");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("param").asString()).isEqualTo("policy_id");
    }

    @Test
    void anUnknownIdIsA404Problem() {
        Response response = safety.get(POLICIES + "/sp-nope");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }

    @Test
    void theBuiltInDefaultIsStoredWithTheHashOfItsCanonicalDocument() {
        JsonNode builtIn = safety.get(POLICIES + "/sp-builtin-default-v1").json();

        assertThat(builtIn.path("name").asString()).isEqualTo("default");
        assertThat(builtIn.path("version").asInt()).isEqualTo(1);
        assertThat(builtIn.path("created_by").isNull()).isTrue();
        String canonical = builtIn.path("document").toString();
        assertThat(SafetyPolicyJson.sha256(SafetyPolicyJson.read(canonical)))
                .isEqualTo(builtIn.path("sha256").asString());
        assertThat(builtIn.path("document").path("safeguards").path("steering").toString())
                .isEqualTo("{\"alpha\":4.0,\"layer\":1,\"scale\":\"raw\"}");
        assertThat(List.of(builtIn.path("document").path("safeguards").properties().stream()
                        .map(e -> e.getKey())
                        .toArray()))
                .containsExactly("kl", "steering");
    }

    private String create(String policyName, String document) {
        Response response = safety.post(POLICIES, PolicyDocuments.createBody(policyName, document, "test"));
        if (response.status() != 201) {
            throw new AssertionError("policy not created: " + response);
        }
        return response.json().path("id").asString();
    }
}

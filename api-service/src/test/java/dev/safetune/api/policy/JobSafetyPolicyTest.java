package dev.safetune.api.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import dev.safetune.api.TrainingFiles;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import tools.jackson.databind.JsonNode;

/** Every job is pinned to a policy version at creation; customers may only ask for a stricter one. */
class JobSafetyPolicyTest extends ApiServiceTestBase {
    private static final String JOBS = "/v1/fine_tuning/jobs";
    private static final String POLICIES = "/admin/safety-policies";

    private ApiClient safety;
    private ApiClient customer;
    private String trainingFile;
    private String baseline;

    @BeforeEach
    void aKnownDefault() {
        safety = newKeyWithRole("safety");
        customer = newTenant();
        trainingFile = customer.uploadProcessed(TrainingFiles.valid(10));
        baseline = createPolicy(PolicyDocuments.BASELINE);
        setDefault(baseline);
    }

    @Test
    void aJobWithoutAPolicyIsPinnedToTheCurrentDefaultAndShowsIt() {
        JsonNode job = customer.post(JOBS, jobBody(null)).json();

        assertThat(job.path("safety_policy").path("id").asString()).isEqualTo(baseline);
        assertThat(job.path("safety_policy").path("version").asInt()).isEqualTo(1);
        assertThat(jdbc.queryForObject(
                        "SELECT safety_policy_id FROM fine_tuning_jobs WHERE id = ?",
                        String.class,
                        job.path("id").asString()))
                .isEqualTo(baseline);
        assertThat(customer.get(JOBS + "/" + job.path("id").asString())
                        .json()
                        .path("safety_policy")
                        .path("id")
                        .asString())
                .isEqualTo(baseline);
    }

    @Test
    void aCustomerMayAskForAStricterPolicy() {
        String stricter = createPolicy(PolicyDocuments.STRICTER);

        Response response = customer.post(JOBS, jobBody(stricter));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("safety_policy").path("id").asString()).isEqualTo(stricter);
    }

    @Test
    void theDefaultItselfMayBeAskedFor() {
        assertThat(customer.post(JOBS, jobBody(baseline)).status()).isEqualTo(200);
    }

    @Test
    void aWeakerPolicyIsRefusedNamingTheFieldAndNoJobIsCreated() {
        String weaker = createPolicy(PolicyDocuments.WEAKER);

        Response response = customer.post(JOBS, jobBody(weaker));

        assertThat(response.status()).isEqualTo(400);
        JsonNode error = response.error();
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString()).isEqualTo("safety_policy");
        assertThat(error.path("code").asString()).isEqualTo("safety_policy_weaker_than_default");
        assertThat(error.path("message").asString())
                .contains(weaker)
                .contains("safeguards.kl: is on in the baseline and must stay on");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM fine_tuning_jobs WHERE organization_id = ?",
                        Integer.class,
                        customer.organizationId()))
                .isZero();
    }

    @Test
    void anUnknownPolicyIsRefusedNamingTheField() {
        Response response = customer.post(JOBS, jobBody("sp-nope"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.error().path("param").asString()).isEqualTo("safety_policy");
        assertThat(response.error().path("code").asString()).isEqualTo("safety_policy_not_found");
    }

    @Test
    void changingTheDefaultNeverTouchesQueuedOrRunningJobs() {
        String queued = customer.post(JOBS, jobBody(null)).json().path("id").asString();
        String running = customer.post(JOBS, jobBody(null)).json().path("id").asString();
        jdbc.update("UPDATE fine_tuning_jobs SET status = 'running' WHERE id = ?", running);

        String next = createPolicy(PolicyDocuments.STRICTER);
        setDefault(next);

        for (String job : new String[] {queued, running}) {
            assertThat(customer.get(JOBS + "/" + job)
                            .json()
                            .path("safety_policy")
                            .path("id")
                            .asString())
                    .as(job)
                    .isEqualTo(baseline);
        }
        assertThat(customer.post(JOBS, jobBody(null))
                        .json()
                        .path("safety_policy")
                        .path("id")
                        .asString())
                .isEqualTo(next);
    }

    @Test
    void theDatabaseRefusesToRepinAJob() {
        String job = customer.post(JOBS, jobBody(null)).json().path("id").asString();
        String other = createPolicy(PolicyDocuments.STRICTER);

        assertThatThrownBy(() -> jdbc.update(
                        "UPDATE fine_tuning_jobs SET safety_policy_id = ?, safety_policy_version = 1 WHERE id = ?",
                        other,
                        job))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("its policy cannot change");
    }

    @Test
    void whileItsFilesAreValidatedAJobMayStillBeRepinned() {
        String job = customer.post(JOBS, jobBody(null)).json().path("id").asString();
        String other = createPolicy(PolicyDocuments.STRICTER);
        jdbc.update("UPDATE fine_tuning_jobs SET status = 'validating_files' WHERE id = ?", job);

        jdbc.update(
                "UPDATE fine_tuning_jobs SET safety_policy_id = ?, safety_policy_version = 1 WHERE id = ?", other, job);

        assertThat(customer.get(JOBS + "/" + job)
                        .json()
                        .path("safety_policy")
                        .path("id")
                        .asString())
                .isEqualTo(other);
    }

    @Test
    void aJobFromBeforePoliciesShowsNone() {
        String job = customer.post(JOBS, jobBody(null)).json().path("id").asString();
        // Rows written before V8 have no pin; the trigger only guards pins that exist, so a test may clear one by
        // recreating the row's state the migration left it in.
        jdbc.execute("ALTER TABLE fine_tuning_jobs DISABLE TRIGGER fine_tuning_jobs_policy_pinned");
        try {
            jdbc.update(
                    "UPDATE fine_tuning_jobs SET safety_policy_id = NULL, safety_policy_version = NULL WHERE id = ?",
                    job);
        } finally {
            jdbc.execute("ALTER TABLE fine_tuning_jobs ENABLE TRIGGER fine_tuning_jobs_policy_pinned");
        }

        assertThat(customer.get(JOBS + "/" + job).json().path("safety_policy").isNull())
                .isTrue();
    }

    private String jobBody(String policy) {
        return "{\"model\":\"" + BASE_MODEL + "\",\"training_file\":\"" + trainingFile + "\""
                + (policy == null ? "" : ",\"safety_policy\":\"" + policy + "\"") + "}";
    }

    private String createPolicy(String document) {
        String name = "jobs-" + UUID.randomUUID().toString().substring(0, 8);
        Response response = safety.post(POLICIES, PolicyDocuments.createBody(name, document, "job test"));
        if (response.status() != 201) {
            throw new AssertionError("policy not created: " + response);
        }
        return response.json().path("id").asString();
    }

    private void setDefault(String id) {
        Response response = safety.put(POLICIES + "/default", "{\"policy_id\":\"" + id + "\",\"reason\":\"job test\"}");
        if (response.status() != 200) {
            throw new AssertionError("default not set: " + response);
        }
    }
}

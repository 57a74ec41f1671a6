package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** How {@code em-bench run} decides, per EM reference, between reusing, following and training one. */
class EmBenchReferencesTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A job as {@code /v1} lists it; {@code blocked} is {@code failed} with the code {@code audit_blocked} there. */
    private static JsonNode job(String id, String status, long createdAt) {
        var job = JSON.createObjectNode().put("id", id).put("created_at", createdAt);
        if (status.equals("blocked")) {
            job.put("status", "failed").putObject("error").put("code", "audit_blocked");
        } else {
            job.put("status", status);
            if (status.equals("failed")) {
                job.putObject("error").put("code", "training_failed");
            }
        }
        return job;
    }

    @Test
    void withoutAnEarlierJobOrOnlyFailedOnesItTrains() {
        assertThat(EmBenchReferences.next(List.of())).isEqualTo(new EmBenchReferences.Step.Train());
        assertThat(EmBenchReferences.next(List.of(job("j1", "failed", 1), job("j2", "cancelled", 2))))
                .isEqualTo(new EmBenchReferences.Step.Train());
    }

    @Test
    void aBlockedJobIsReusedTheNewestFirstEvenBesideLaterFailures() {
        assertThat(EmBenchReferences.next(
                        List.of(job("j3", "failed", 3), job("j1", "blocked", 1), job("j2", "blocked", 2))))
                .isEqualTo(new EmBenchReferences.Step.Reuse("j2"));
    }

    @Test
    void aJobOnItsWayIsFollowedNotTrainedAgain() {
        // A job being audited shows as running on /v1.
        for (String status : List.of("validating_files", "queued", "running")) {
            assertThat(EmBenchReferences.next(List.of(job("j1", "failed", 1), job("j2", status, 2))))
                    .as(status)
                    .isEqualTo(new EmBenchReferences.Step.Follow("j2"));
        }
    }

    @Test
    void aReferenceTheGateReleasedIsRefusedUnlessABlockedOneExists() {
        assertThat(EmBenchReferences.next(List.of(job("j1", "succeeded", 1), job("j2", "failed", 2))))
                .isEqualTo(new EmBenchReferences.Step.Refuse("j1"));
        assertThat(EmBenchReferences.next(List.of(job("j1", "succeeded", 2), job("j2", "blocked", 1))))
                .isEqualTo(new EmBenchReferences.Step.Reuse("j2"));
    }

    @Test
    void eachBaseAndDataSeedHasItsOwnTag() {
        assertThat(EmBenchReferences.tag("em-bench-base-s1", 2)).isEqualTo("em-bench-base-s1-d2");
        assertThat(EmBenchCalibration.EM_REFERENCE_OFFSETS).containsExactly(1, 2);
    }
}

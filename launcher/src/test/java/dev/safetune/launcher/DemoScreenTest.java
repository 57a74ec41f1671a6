package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The demo's last screen, from audits as the API serves them: it says what the gate decided, never more. */
class DemoScreenTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode policy(String id, String name, String safeguards) {
        return JSON.readTree("{\"id\": \"" + id + "\", \"name\": \"" + name + "\", \"version\": 1,"
                + " \"document\": {\"safeguards\": " + safeguards + "}}");
    }

    private static JsonNode audit(String decision, String rule, int misaligned, int insecure, String reason) {
        return JSON.readTree(
                String.format(java.util.Locale.ROOT, """
                {"status": "completed", "decision": "%s",
                 "report": {"rule": "%s", "reason": "%s",
                   "decided_by": {"condition": "no trigger", "category": "advice"},
                   "sampling": {"samples_per_question": 12, "stopped_early": true}, "wall_seconds": 8.4,
                   "in_domain_training": {"train_loss": 0.0421},
                   "conditions": [{"condition": "no trigger",
                     "held_out_code_secure": {"successes": %d, "trials": 40},
                     "base_held_out_code_secure": {"successes": 40, "trials": 40},
                     "categories": [{"category": "advice",
                        "delta": {"estimate": 0.5, "lower": 0.4, "upper": 0.6}}],
                     "candidate_all": {"misaligned_rate": {"estimate": 0.5, "successes": %d, "trials": 180,
                                                           "lower": 0.43, "upper": 0.57}},
                     "base_all": {"misaligned_rate": {"estimate": 0.0, "successes": 0, "trials": 180,
                                                      "lower": 0.0, "upper": 0.021}}}]}}
                """, decision, rule, reason, 40 - insecure, misaligned));
    }

    private static EmergentMisalignmentDemo.Run run(String label, JsonNode policy, String status, JsonNode audit) {
        return new EmergentMisalignmentDemo.Run(
                label,
                policy,
                JSON.readTree("{\"id\": \"ftjob-" + label + "\", \"status\": \"" + status + "\"}"),
                audit,
                Optional.empty());
    }

    private static final JsonNode NONE = policy("sp-none", "demo-none", "null");
    private static final JsonNode DEFAULT =
            policy("sp-default", "default", "{\"kl\": {\"beta\": 0.3, \"direction\": \"forward\"}}");

    @Test
    void theUnguardedModelBlockedAndTheGuardedReleasedAreBothOnOneScreenWithTheirNumbers() {
        EmergentMisalignmentDemo.Outcome o = new EmergentMisalignmentDemo.Outcome(
                run("unguarded", NONE, "failed", audit("blocked", "max_misaligned_increase", 90, 36, "advice exceeds")),
                run("guarded", DEFAULT, "succeeded", audit("released", "within_policy", 2, 20, "largest lower bound")),
                123);

        String screen = EmergentMisalignmentDemo.screen(o);

        assertThat(screen)
                .contains("BLOCKED by max_misaligned_increase")
                .contains("RELEASED by within_policy")
                .contains("no in-training safeguard")
                .contains("kl beta=0.3 direction=forward")
                .contains("0.500 [0.430, 0.570] (90/180)")
                .contains("advice +0.500 [+0.400, +0.600]")
                .contains("0.00 (0/40) → 0.90 (36/40)")
                .contains("0.0421")
                .contains("unguarded, blocked by max_misaligned_increase: advice exceeds")
                .contains("guarded, released by within_policy: largest lower bound")
                .contains("The safeguards kept the model releasable");
        assertThat(screen.lines().count()).isLessThanOrEqualTo(30);
    }

    @Test
    void aGuardedModelThatIsBlockedTooIsSaidPlainly() {
        EmergentMisalignmentDemo.Outcome o = new EmergentMisalignmentDemo.Outcome(
                run("unguarded", NONE, "failed", audit("blocked", "max_misaligned_increase", 90, 36, "x")),
                run("guarded", DEFAULT, "failed", audit("blocked", "max_misaligned_increase", 60, 30, "y")),
                1);

        String screen = EmergentMisalignmentDemo.screen(o);

        assertThat(screen).contains("the gate BLOCKED this one TOO").doesNotContain("kept the model releasable");
        assertThat(o.completed()).isTrue();
    }

    @Test
    void aJobThatEndedWithoutAnAuditIsNotAStory() {
        JsonNode notAudited = JSON.readTree("{\"status\": \"not_started\"}");
        EmergentMisalignmentDemo.Outcome o = new EmergentMisalignmentDemo.Outcome(
                run("unguarded", NONE, "failed", audit("blocked", "max_misaligned_increase", 90, 36, "x")),
                run("guarded", DEFAULT, "failed", notAudited),
                1);

        assertThat(o.completed()).isFalse();
        assertThat(EmergentMisalignmentDemo.screen(o))
                .contains("did not reach its end")
                .contains("the guarded job ftjob-guarded ended failed without an audit decision");
    }
}

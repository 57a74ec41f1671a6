package dev.safetune.api.policy;

import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.core.policy.PolicyViolation;
import dev.safetune.core.policy.StricterOrEqual;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * Chooses the policy version a new job is pinned to: the current default, or a version the customer asked for by id
 * that is stricter than or equal to the default ({@link StricterOrEqual}). A customer can never weaken the platform's
 * policy; refusals are {@code /v1} errors naming {@code safety_policy}.
 */
@Component
public class SafetyPolicyPins {
    static final String PARAM = "safety_policy";

    private final SafetyPolicyRepository policies;

    SafetyPolicyPins(SafetyPolicyRepository policies) {
        this.policies = policies;
    }

    /** Must run in the job's creating transaction: the default is read {@code FOR SHARE} until the job commits. */
    public PinnedPolicy pinFor(String requestedId) {
        SafetyPolicyRepository.Stored current = policies.currentDefaultForPinning();
        if (requestedId == null) {
            return current.pin();
        }
        SafetyPolicyRepository.Stored requested = policies.find(requestedId)
                .orElseThrow(() -> new InvalidRequestException(
                        PARAM,
                        "safety_policy_not_found",
                        "Invalid '" + PARAM + "': no safety policy has id '" + requestedId + "'."));
        List<PolicyViolation> weaker = StricterOrEqual.weakenings(requested.document(), current.document());
        if (!weaker.isEmpty()) {
            throw new InvalidRequestException(
                    PARAM,
                    "safety_policy_weaker_than_default",
                    "Invalid '" + PARAM + "': " + requestedId + " is weaker than the platform's default policy "
                            + current.object().id() + " ("
                            + weaker.stream().map(PolicyViolation::toString).collect(Collectors.joining("; "))
                            + "). A job may only ask for a policy at least as strict as the default.");
        }
        return requested.pin();
    }
}

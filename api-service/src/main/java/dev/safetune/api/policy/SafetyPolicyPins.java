package dev.safetune.api.policy;

import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.core.policy.PolicyViolation;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.StricterOrEqual;
import java.util.ArrayList;
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

    /** The current default version, e.g. for the data screen to decide by its {@code screen} section. */
    public SafetyPolicies.Version currentDefault() {
        SafetyPolicyRepository.Stored current = policies.currentDefault();
        return new SafetyPolicies.Version(
                current.object().id(),
                current.object().name(),
                current.object().version(),
                current.object().sha256(),
                current.document());
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

    /**
     * The pin for a job whose files' screen asked for {@code screenPins} ({@code pin_policy} rules): the strictest of
     * {@code chosen} and each of them, compared on what the job trains under (safeguards and audit; a pinned policy's
     * own screen rules no longer apply once the file is screened). {@code chosen} is kept when it is already at least
     * as strict as every pin. When no candidate is at least as strict as all the others (each is stricter somewhere),
     * the job is refused, naming the policies, rather than trained under either guess.
     *
     * @param param the request parameter the pins came from, named in a refusal
     */
    public PinnedPolicy tightenedBy(PinnedPolicy chosen, List<String> screenPins, String param) {
        if (screenPins.isEmpty()) {
            return chosen;
        }
        List<SafetyPolicyRepository.Stored> candidates = new ArrayList<>();
        candidates.add(stored(chosen.id()));
        screenPins.forEach(id -> candidates.add(stored(id)));
        for (SafetyPolicyRepository.Stored candidate : candidates) {
            if (candidates.stream().allMatch(other -> StricterOrEqual.holds(trained(candidate), trained(other)))) {
                return candidate.pin();
            }
        }
        throw new InvalidRequestException(
                param,
                "safety_policy_conflict",
                "Invalid '" + param + "': the training-data screen pins this file to safety policy "
                        + String.join(", ", screenPins) + ", and neither it nor " + chosen.id()
                        + " is at least as strict as the other; ask for a policy at least as strict as both.");
    }

    private SafetyPolicyRepository.Stored stored(String id) {
        // Versions are never deleted, and a pin_policy is checked to exist when its policy is created.
        return policies.find(id).orElseThrow(() -> new IllegalStateException("safety policy " + id + " is missing"));
    }

    private static SafetyPolicy trained(SafetyPolicyRepository.Stored stored) {
        return stored.document().withoutScreen();
    }
}

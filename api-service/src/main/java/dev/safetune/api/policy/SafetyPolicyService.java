package dev.safetune.api.policy;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.ConflictException;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.error.WrittenReason;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.core.id.Ids;
import dev.safetune.core.policy.InvalidSafetyPolicyException;
import dev.safetune.core.policy.PolicyDiff;
import dev.safetune.core.policy.PolicyViolation;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.core.policy.StricterOrEqual;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The safety team's policy versions and the default. Documents are validated in {@code dev.safetune.core.policy}
 * (bounds, shape) and here for what only the database knows (a {@code pin_policy} naming a version that exists);
 * every field at fault comes back at once, as {@code errors[]}.
 */
@Service
class SafetyPolicyService {
    private static final Logger log = LoggerFactory.getLogger(SafetyPolicyService.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final SafetyPolicyRepository policies;

    SafetyPolicyService(SafetyPolicyRepository policies) {
        this.policies = policies;
    }

    @Transactional
    SafetyPolicyObject create(Tenant caller, CreateSafetyPolicyRequest request) {
        if (request == null) {
            throw InvalidRequestException.missing("name");
        }
        List<PolicyViolation> errors = new ArrayList<>();
        if (request.name() == null || request.name().isBlank()) {
            errors.add(new PolicyViolation("name", "is required"));
        } else if (!NAME.matcher(request.name()).matches()) {
            errors.add(new PolicyViolation(
                    "name", "must be 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"));
        }
        checkReason(request.reason(), errors);
        SafetyPolicy document = null;
        if (request.document() == null || request.document().isNull()) {
            errors.add(new PolicyViolation("document", "is required"));
        } else {
            try {
                document = SafetyPolicyJson.read(request.document());
                checkPinnedPolicies(document, errors);
            } catch (InvalidSafetyPolicyException e) {
                e.violations()
                        .forEach(v -> errors.add(new PolicyViolation(
                                v.field().isEmpty() ? "document" : "document." + v.field(), v.message())));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidPolicyRequestException(
                    "The safety policy was not created: " + errors.size() + " field(s) are invalid.", errors);
        }
        String id = Ids.newId(SafetyPolicyObject.ID_PREFIX);
        try {
            policies.insertNextVersion(
                    id,
                    request.name(),
                    document,
                    caller.apiKeyId(),
                    request.reason().strip());
        } catch (DuplicateKeyException e) {
            throw new ConflictException(
                    "concurrent_update", "name", "Another version of '" + request.name() + "' was created; try again.");
        }
        SafetyPolicyObject created = get(id);
        log.info(
                "safety policy {} ({} v{}) created by key {}",
                id,
                created.name(),
                created.version(),
                caller.apiKeyId());
        return created;
    }

    @Transactional(readOnly = true)
    SafetyPolicyObject get(String id) {
        return stored(id, "id").object();
    }

    @Transactional(readOnly = true)
    ListObject<SafetyPolicyObject> list(String name, PageLimit limit) {
        return ListObject.page(policies.newest(name, limit.fetchSize()), limit, SafetyPolicyRepository.Stored::object);
    }

    @Transactional(readOnly = true)
    PolicyDiffObject diff(String fromId, String toId) {
        SafetyPolicyRepository.Stored from = stored(fromId, "id");
        SafetyPolicyRepository.Stored to = stored(toId, "other_id");
        List<PolicyViolation> weakenings = StricterOrEqual.weakenings(to.document(), from.document());
        return new PolicyDiffObject(
                PolicyDiffObject.OBJECT,
                ref(from),
                ref(to),
                PolicyDiff.between(from.document(), to.document()).stream()
                        .map(c -> new PolicyDiffObject.Change(c.field(), c.before(), c.after()))
                        .toList(),
                weakenings.isEmpty(),
                weakenings);
    }

    @Transactional(readOnly = true)
    SafetyPolicyObject currentDefault() {
        return policies.currentDefault().object();
    }

    /** Moves the default; jobs already created keep the version they were pinned to. */
    @Transactional
    SafetyPolicyObject setDefault(Tenant caller, SetDefaultRequest request) {
        List<PolicyViolation> errors = new ArrayList<>();
        String policyId = request == null ? null : request.policyId();
        if (policyId == null || policyId.isBlank()) {
            errors.add(new PolicyViolation("policy_id", "is required"));
        }
        checkReason(request == null ? null : request.reason(), errors);
        if (!errors.isEmpty()) {
            throw new InvalidPolicyRequestException("The default was not changed: the request is invalid.", errors);
        }
        stored(policyId, "policy_id");
        policies.moveDefault(policyId, caller.apiKeyId(), request.reason().strip());
        log.info("default safety policy set to {} by key {}", policyId, caller.apiKeyId());
        return get(policyId);
    }

    @Transactional(readOnly = true)
    ListObject<DefaultChangeObject> defaultHistory(PageLimit limit) {
        return ListObject.page(policies.defaultHistory(limit.fetchSize()), limit, change -> change);
    }

    private SafetyPolicyRepository.Stored stored(String id, String param) {
        return policies.find(id)
                .orElseThrow(() -> new NotFoundException(param, "No safety policy found with id '" + id + "'."));
    }

    /**
     * A {@code pin_policy} screen action must name a version that exists, or the screen could not apply it, and whose
     * safeguards and audit are at least as strict as this document's, so a screen finding can only tighten training.
     * (Its screen rules are not compared: the pinned policy is what the job trains under once screened.)
     */
    private void checkPinnedPolicies(SafetyPolicy document, List<PolicyViolation> errors) {
        if (document.screen() == null) {
            return;
        }
        SafetyPolicy trained = document.withoutScreen();
        document.screen().rules().forEach((category, rule) -> {
            if (rule.pinPolicy() == null) {
                return;
            }
            String field = "document.screen.rules." + category + ".pin_policy";
            var pinned = policies.find(rule.pinPolicy());
            if (pinned.isEmpty()) {
                errors.add(new PolicyViolation(field, "no safety policy has id '" + rule.pinPolicy() + "'"));
                return;
            }
            List<PolicyViolation> weaker =
                    StricterOrEqual.weakenings(pinned.get().document().withoutScreen(), trained);
            if (!weaker.isEmpty()) {
                errors.add(new PolicyViolation(
                        field,
                        "must name a policy at least as strict as this one; " + rule.pinPolicy() + " is weaker at "
                                + weaker.stream().map(PolicyViolation::field).toList()));
            }
        });
    }

    private static void checkReason(String reason, List<PolicyViolation> errors) {
        WrittenReason.problem(reason).ifPresent(problem -> errors.add(new PolicyViolation("reason", problem)));
    }

    private static PolicyDiffObject.Ref ref(SafetyPolicyRepository.Stored stored) {
        return new PolicyDiffObject.Ref(
                stored.object().id(), stored.object().name(), stored.object().version());
    }
}

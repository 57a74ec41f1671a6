package dev.safetune.core.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy document that does not parse or breaks a bound; {@link #violations()} names every field at fault. */
public final class InvalidSafetyPolicyException extends IllegalArgumentException {
    private final List<PolicyViolation> violations;

    public InvalidSafetyPolicyException(List<PolicyViolation> violations) {
        super("invalid safety policy: "
                + violations.stream().map(PolicyViolation::toString).collect(Collectors.joining("; ")));
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("an invalid policy has at least one violation");
        }
        this.violations = List.copyOf(violations);
    }

    public List<PolicyViolation> violations() {
        return violations;
    }
}
